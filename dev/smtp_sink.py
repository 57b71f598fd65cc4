"""A local SMTP sink for dev/demo.sh: accepts every mail on 127.0.0.1 and
stores it as an .eml file (readable with any mail client), so the demo's
mails show "sent" in Odoo and a person can read what customers receive.

    python dev/smtp_sink.py --port 2525 --dir .run/mails
"""

import argparse
import datetime
import pathlib
import socketserver


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of SMTP (RFC 5321) for Odoo's smtplib client."""

    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 relances-demo-sink ESMTP")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("HELO", "EHLO"):
                self.reply("250-relances-demo-sink" if verb == "EHLO" else "250 relances-demo-sink")
                if verb == "EHLO":
                    self.reply("250-8BITMIME")
                    self.reply("250 SMTPUTF8")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.store(sender, recipients, b"".join(lines))
                self.reply("250 OK: stored")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            else:
                self.reply("502 Command not implemented")


class SMTPSink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port, folder):
        super().__init__(("127.0.0.1", port), SMTPHandler)
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(self.folder.glob("*.eml")))

    def store(self, sender, recipients, message):
        self.count += 1
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{self.count:05d}.eml"
        path.write_bytes(message)
        print(f"mail {self.count}: {sender} -> {', '.join(recipients)} ({path.name})", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", default=".run/mails")
    args = parser.parse_args()
    with SMTPSink(args.port, args.dir) as server:
        print(f"SMTP sink on 127.0.0.1:{args.port}, mails stored in {args.dir}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
