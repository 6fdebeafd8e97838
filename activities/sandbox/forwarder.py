"""The sandbox's way out: a few lines of Python run as the sandbox's entry when the run may reach
allowed hosts.

The sandbox has a network namespace of its own with nothing but loopback, so nothing inside can
connect anywhere. The forwarder listens on 127.0.0.1:<port> *inside* that namespace and carries
each connection to the egress proxy's unix socket (bound into the sandbox); the command, its
child, is told `HTTP(S)_PROXY=http://127.0.0.1:<port>`. The forwarder exits with the command's
exit code, and the sandbox (its pid namespace) ends with it.
"""

FORWARDER = r"""
import os, socket, subprocess, sys, threading
sock_path, port, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(64)

def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

def carry(conn):
    out = socket.socket(socket.AF_UNIX)
    try:
        out.connect(sock_path)
    except OSError:
        conn.close()
        return
    back = threading.Thread(target=pump, args=(out, conn), daemon=True)
    back.start()
    pump(conn, out)
    back.join()
    conn.close()
    out.close()

def accept():
    while True:
        conn, _ = server.accept()
        threading.Thread(target=carry, args=(conn,), daemon=True).start()

threading.Thread(target=accept, daemon=True).start()
try:
    child = subprocess.Popen(argv)
except OSError as err:
    print(f"sandbox: cannot run {argv[0]}: {err.strerror}", file=sys.stderr)
    sys.exit(127)
code = child.wait()
sys.exit(code if code >= 0 else 128 - code)
"""
"""Run as `python3 -c FORWARDER <socket> <port> <argv…>`; threads, not asyncio, to start fast."""

FORWARDER_PORT = 3128
"""Where the forwarder listens inside the sandbox (a namespace of its own: no clash)."""
