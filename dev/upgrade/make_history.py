"""Make history in a database installed at an earlier release of relances_auto,
with that release's own code (run by dev/upgrade_test.sh, before the upgrade):
customers in English and French, late invoices reminded by the daily job and
delivered through a real SMTP server, a reminder by hand, fees, a pause, an
invoice in instalments, an edited template. Writes a snapshot (JSON) that
check_upgrade.py compares with the upgraded database.

    python make_history.py CONFIG DATABASE ADDONS_PATH SMTP_PORT SNAPSHOT
"""

import datetime
import json
import sys

from markupsafe import Markup

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry

EDIT = "Custom words from our accountant."


def main():
    config, database, addons_path, smtp_port, snapshot = sys.argv[1:6]
    odoo.tools.config.parse_config(["-c", config, "-d", database, f"--addons-path={addons_path}", "--log-level=warn"])
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        make_history(env, int(smtp_port))
        cr.commit()
        with open(snapshot, "w") as f:
            json.dump(take_snapshot(env), f, indent=1, sort_keys=True)


def make_history(env, smtp_port):
    today = datetime.date.today()
    company = env.company
    env["ir.mail_server"].create({"name": "Sink", "smtp_host": "127.0.0.1", "smtp_port": smtp_port})
    env.user.partner_id.email = "admin@example.com"
    company.email = "compta@example.com"
    program = company.relance_program_id
    program.mode = "auto"
    # no invoice PDF: wkhtmltopdf needs Odoo's HTTP server, which this script does not start
    program.stage_ids.attach_invoice = False
    if "fee_amount" in env["relance.stage"]._fields:  # fees came in a later release
        program.stage_ids.filtered(lambda stage: stage.level == 3).fee_amount = 40.0
    if "relance_digest_user_ids" in company._fields:
        company.relance_digest_user_ids = env.user
    customers = env["res.partner"].create(
        [
            {
                "name": "Dupont SARL",
                "email": "dupont@example.com",
                "lang": "fr_FR",
                "street": "1 rue A",
                "city": "Lyon",
            },
            {
                "name": "Smith Ltd",
                "email": "smith@example.com",
                "lang": "en_US",
                "street": "2 Main St",
                "city": "Leeds",
            },
            {
                "name": "Martin & Fils",
                "email": "martin@example.com",
                "lang": "fr_FR",
                "street": "3 rue B",
                "city": "Metz",
            },
        ]
    )
    dupont, smith, martin = customers

    def invoice(partner, days_late, amount, term=None):
        values = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today - datetime.timedelta(days=days_late),
            "invoice_line_ids": [
                Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
            ],
        }
        if term:
            values["invoice_payment_term_id"] = term.id
        else:
            values["invoice_date_due"] = today - datetime.timedelta(days=days_late)
        move = env["account.move"].create(values)
        move.action_post()
        return move

    invoice(dupont, 40, 1200.0)  # level 3 (formal notice, fee)
    invoice(smith, 10, 300.0)  # level 1
    invoice(martin, 20, 450.0)  # level 2
    paused = invoice(martin, 25, 80.0)
    if "relance_paused_until" in paused._fields:
        paused.write(
            {
                "relance_paused_until": today + datetime.timedelta(days=20),
                "relance_pause_reason": "dispute",
                "relance_pause_note": "Delivery disputed",
            }
        )
    term = env["account.payment.term"].create(
        {
            "name": "30% now, balance in 60 days",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 30, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 70, "nb_days": 60}),
            ],
        }
    )
    invoice(smith, 20, 1000.0, term)  # its first instalment is 20 days late
    # the accountant's wording of level 1, in English and in French
    level_1 = env.ref("relances_auto.mail_template_relance_level_1")
    level_1.body_html = Markup(str(level_1.body_html).replace("</div>", f"<p>{EDIT}</p></div>", 1))
    level_1.with_context(lang="fr_FR").subject = "Rappel amical : facture {{ object.name }}"
    env.flush_all()
    env["relance.job"]._run(force=True)
    env.flush_all()
    env["mail.mail"].sudo().process_email_queue()
    env.flush_all()
    # a reminder by hand, the next day's way of working
    manual = invoice(smith, 8, 90.0)
    wizard = (
        env["relance.send"]
        .with_context(active_model="account.move", active_ids=manual.ids)
        .create(
            {"move_ids": [Command.set(manual.ids)], "stage_id": program.stage_ids.filtered(lambda s: s.level == 1).id}
        )
    )
    wizard.action_send_customer()
    env["mail.mail"].sudo().process_email_queue()
    env.flush_all()


def take_snapshot(env):
    logs = env["relance.log"].search([], order="id")
    return {
        "logs": [
            [log.id, log.move_id.name, log.level, log.kind, log.state, str(log.date), log.recipient or ""]
            for log in logs
        ],
        "mails": env["mail.mail"].sudo().search_count([]),
        "fee_moves": sorted(env["account.move"].search([("relance_fee_origin_id", "!=", False)]).mapped("name"))
        if "relance_fee_origin_id" in env["account.move"]._fields
        else [],
        "paused": sorted(
            [move.name, str(move.relance_paused_until), move.relance_pause_reason]
            for move in env["account.move"].search([("relance_paused_until", "!=", False)])
        )
        if "relance_paused_until" in env["account.move"]._fields
        else [],
        "programs": sorted(
            [program.company_id.id, program.name, program.mode, len(program.stage_ids)]
            for program in env["relance.program"].with_context(active_test=False, lang="en_US").search([])
        ),
        "global_programs": {
            str(company.id): company.relance_program_id.id for company in env["res.company"].search([])
        },
        "edit": EDIT,
    }


if __name__ == "__main__":
    main()
