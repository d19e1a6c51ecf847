#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# httpd.py DIR PORT: serve DIR over HTTP on every IPv4 and IPv6 address
# (a dual-stack socket on ::), for the demo and the end-to-end test.
#
# "python3 -m http.server --bind ::" does the same but looks its host name
# up when it binds (socket.getfqdn()); where the name does not resolve
# locally (a fresh chroot, a namespace without DNS) that takes seconds
# before it listens.  This server never looks a name up.

import http.server
import socket
import socketserver
import sys
from functools import partial


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        # TCPServer's bind, without HTTPServer's getfqdn().
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: httpd.py DIR PORT")
    handler = partial(http.server.SimpleHTTPRequestHandler,
                      directory=sys.argv[1])
    with DualStackServer(("::", int(sys.argv[2])), handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
