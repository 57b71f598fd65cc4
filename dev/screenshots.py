"""The screenshots of static/description/ (the Apps store page and the readme),
taken in headless Chromium from the running demo (dev/demo.sh), as a user
sees it: the dashboard, Late payments, the reminder wizard, a simulation
digest and a stamped invoice.

    dev/demo.sh &                 # the demo at http://127.0.0.1:8069
    .venv/bin/python dev/screenshots.py [--url http://127.0.0.1:8069]
"""

import argparse
import base64
import email
import email.policy
import json
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import requests
import websocket

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "relances_auto" / "static" / "description"
MAILS = ROOT / ".run" / "mails"  # dev/demo.sh's SMTP sink
WIDTH, HEIGHT = 1400, 860


class Odoo:
    def __init__(self, url, db, login, password):
        self.url, self.session = url, requests.Session()
        result = self.session.post(
            f"{url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}},
            timeout=60,
        ).json()
        if result.get("error"):
            raise SystemExit(f"cannot log in: {result['error']}")

    def call(self, model, method, *args, **kwargs):
        response = self.session.post(
            f"{self.url}/web/dataset/call_kw",
            json={"jsonrpc": "2.0", "params": {"model": model, "method": method, "args": args, "kwargs": kwargs}},
            timeout=300,
        ).json()
        if response.get("error"):
            raise SystemExit(f"{model}.{method}: {response['error']['data']['message']}")
        return response["result"]


class Chromium:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="relances-shots-")
        self.process = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for __ in range(100):
            try:
                targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=1).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.RequestException, StopIteration):
                time.sleep(0.1)
        else:
            raise SystemExit("Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.ids = 0
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def send(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.ids:
                return message.get("result", {})

    def shot(self, url, path, wait=4.0, cookies=()):
        for name, value, domain in cookies:
            self.send("Network.setCookie", name=name, value=value, domain=domain, path="/")
        self.send("Page.navigate", url=url)
        time.sleep(wait)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"{path.name}: {url[:80]}")

    def close(self):
        self.ws.close()
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="relances_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    odoo = Odoo(args.url, args.db, args.login, args.password)
    host = args.url.split("//", 1)[1].split(":")[0].split("/")[0]
    cookies = [("session_id", odoo.session.cookies["session_id"], host)]
    browser = Chromium()
    try:
        browser.shot(
            f"{args.url}/odoo/action-relances_auto.action_relance_dashboard",
            OUT / "screenshot_dashboard.png",
            wait=10,
            cookies=cookies,
        )
        browser.shot(
            f"{args.url}/odoo/action-relances_auto.action_relance_late_payments", OUT / "screenshot_late_payments.png"
        )
        # the reminder wizard, as "Remind" on the first row of Late payments opens it
        browser.send(
            "Runtime.evaluate", expression="document.querySelector(\"button[name='action_relance_open_send']\").click()"
        )
        time.sleep(3)
        data = browser.send("Page.captureScreenshot", format="png")["data"]
        (OUT / "screenshot_wizard.png").write_bytes(base64.b64decode(data))
        print("screenshot_wizard.png: Remind on the first row of Late payments")
        # the simulation digest as mailed (Settings > Send me a simulation), read from the SMTP sink
        started = time.time()
        settings = odoo.call("res.config.settings", "create", {})
        odoo.call("res.config.settings", "action_relance_send_simulation", [settings])
        digest = None
        for __ in range(120):
            for path in sorted(MAILS.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
                if path.stat().st_mtime < started:
                    break
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                html = message.get_body(("html",))
                if html is not None and "o_relance_digest" in html.get_content():
                    digest = html.get_content()
                    break
            if digest:
                break
            time.sleep(1)
        if not digest:
            raise SystemExit(f"no simulation digest reached {MAILS} within 2 minutes")
        page = pathlib.Path(tempfile.mkdtemp()) / "digest.html"
        page.write_text(f"<html><body style='margin:24px'>{digest}</body></html>")
        browser.shot(page.as_uri(), OUT / "screenshot_digest.png", wait=1)
        # the customer's page, as its reminder's link opens it (no login)
        (late,) = odoo.call(
            "account.move",
            "search_read",
            [("relance_overdue", "=", True), ("access_token", "!=", False)],
            ["id", "access_token"],
            order="relance_due_date",
            limit=1,
        )
        anonymous = Chromium()
        try:
            anonymous.shot(
                f"{args.url}/relances/answer/{late['id']}?access_token={late['access_token']}",
                OUT / "screenshot_answer.png",
            )
        finally:
            anonymous.close()
        # a stamped invoice, as attached to a reminder
        (stamped,) = odoo.call(
            "ir.attachment",
            "search_read",
            # named in the customer's language: “(reminder)”, “(relance)”
            [
                "|",
                ("name", "ilike", "(reminder)"),
                ("name", "ilike", "(relance)"),
                ("mimetype", "=", "application/pdf"),
            ],
            ["id"],
            order="id desc",
            limit=1,
        )
        pdf = pathlib.Path(tempfile.mkdtemp()) / "stamped.pdf"
        pdf.write_bytes(odoo.session.get(f"{args.url}/web/content/{stamped['id']}", timeout=60).content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(OUT / "screenshot_stamped_invoice")],
            check=True,
        )
        print("screenshot_stamped_invoice.png: the first page of a stamped invoice")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
