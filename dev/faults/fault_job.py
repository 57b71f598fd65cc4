"""One step of the fault test (dev/fault_test.sh), against a committed database:

fault_job.py CONFIG DB setup SMTP_PORT   # 40 customers, one late invoice each
fault_job.py CONFIG DB run [SLOW]        # a call of the daily job (SLOW: 0.3 s per mail)
fault_job.py CONFIG DB deliver           # the mail queue, to the SMTP sink
fault_job.py CONFIG DB check SINK_DIR    # each reminder once, none lost
"""

import datetime
import email
import email.policy
import pathlib
import sys
import time

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry

CUSTOMERS = 40


def setup(env, smtp_port):
    env["ir.mail_server"].create({"name": "Sink", "smtp_host": "127.0.0.1", "smtp_port": int(smtp_port)})
    env.user.partner_id.email = "admin@example.com"
    company = env.company
    company.email = "compta@example.com"
    company.relance_digest_user_ids = env.user
    program = company.relance_program_id
    program.mode = "auto"
    program.stage_ids.attach_invoice = False
    config = env["ir.config_parameter"].sudo()
    config.set_param("relances_auto.commit_every", "5")
    today = datetime.date.today()
    for number in range(CUSTOMERS):
        partner = env["res.partner"].create({"name": f"Customer {number}", "email": f"customer{number}@example.com"})
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - datetime.timedelta(days=10),
                "invoice_date_due": today - datetime.timedelta(days=10),
                "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 100.0})],
            }
        )
        move.action_post()


def run(env, slow):
    if slow:
        sender = type(env["relance.sender"])
        original = sender._post

        def slow_post(self, *args, **kwargs):
            time.sleep(float(slow))  # as slow as PDFs would make it: time to be killed
            return original(self, *args, **kwargs)

        sender._post = slow_post
    env["relance.job"]._run(force=True)


def deliver(env):
    env["mail.mail"].sudo().process_email_queue()


def check(env, sink_dir):
    failures = []
    logs = env["relance.log"].search([("kind", "=", "auto")])
    moves = env["account.move"].search([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    per_move = {move.id: logs.filtered(lambda log, move=move: log.move_id == move) for move in moves}
    once = sum(1 for lines in per_move.values() if len(lines) == 1)
    if once != CUSTOMERS:
        failures.append(f"{once} of {CUSTOMERS} invoices have exactly one automatic reminder")
    if set(logs.mapped("state")) != {"sent"}:
        failures.append(f"states: {sorted(set(logs.mapped('state')))}")
    received = {}
    for path in pathlib.Path(sink_dir).glob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.SMTP)
        for address in str(mail["To"] or "").split(","):
            if "customer" in address:
                received[address.strip()] = received.get(address.strip(), 0) + 1
    counts = sorted(set(received.values()))
    if len(received) != CUSTOMERS or counts != [1]:
        failures.append(f"{len(received)} customers received mails, counts per customer {counts}")
    print(f"{len(logs)} automatic reminders, {len(received)} customers mailed once each" if not failures else "")
    for failure in failures:
        print("FAIL", failure)
    return not failures


def main():
    config, database, step, *rest = sys.argv[1:]
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        if step == "setup":
            setup(env, *rest)
        elif step == "run":
            run(env, rest[0] if rest else None)
        elif step == "deliver":
            deliver(env)
        elif step == "check":
            sys.exit(0 if check(env, *rest) else 1)


if __name__ == "__main__":
    main()
