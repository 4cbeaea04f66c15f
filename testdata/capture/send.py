#!/usr/bin/env python3
"""Send the test traffic of testdata/capture/make.sh to the loopback
interface: 3 UDP datagrams to 127.0.0.1:47019, 1 to [::1]:47019, and one
TCP connection to 127.0.0.1:47020 carrying one line. Every payload holds
the marker EVIDENTIA-PAYLOAD-MARKER."""
import socket, threading, time

MARK = b"EVIDENTIA-PAYLOAD-MARKER"

def serve(ls):
    c, _ = ls.accept()
    c.recv(100)
    c.close()

ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 47020))
ls.listen(1)
t = threading.Thread(target=serve, args=(ls,))
t.start()

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    u.sendto(MARK + b" udp4 %d" % i, ("127.0.0.1", 47019))
    time.sleep(0.01)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.sendto(MARK + b" udp6", ("::1", 47019))

c = socket.create_connection(("127.0.0.1", 47020))
c.sendall(MARK + b" tcp\n")
time.sleep(0.05)
c.close()
t.join()
ls.close()
