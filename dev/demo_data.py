"""A French company with four months of reminders, for dev/demo.sh.

Creates "Atelier Durand SARL" (EUR, French, Europe/Paris), its customers and
about a hundred invoices issued over the last five months, then lives those
months day by day: each day the real daily job sends the reminders due that
day (``relance.job._send_automatic`` on that date), and customers pay on the
day their profile says: before the due date, a few days after the first,
second or third reminder, or never. So the history, the payments and the
dashboard's effectiveness figures are what the product itself made.

Run once on a fresh demo database (it does nothing if the company exists).
"""

import argparse
import datetime
import random
import threading

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

COMPANY = "Atelier Durand SARL"
CUSTOMERS = [
    ("Boulangerie Dubois", "Lyon"),
    ("Martin & Fils", "Nantes"),
    ("Hôtel Bellevue", "Annecy"),
    ("Pharmacie Girard", "Bordeaux"),
    ("Cabinet Lambert", "Lille"),
    ("Librairie Rousseau", "Rennes"),
    ("Fromagerie Petit", "Dijon"),
    ("Transports Moreau", "Marseille"),
    ("Studio Fontaine", "Paris"),
    ("Garage Chevalier", "Toulouse"),
    ("Brasserie du Port", "La Rochelle"),
    ("Imprimerie Blanc", "Strasbourg"),
    ("Menuiserie Roux", "Grenoble"),
    ("Clinique Vétérinaire Faure", "Tours"),
]
SERVICES = ["Maintenance annuelle", "Installation", "Intervention sur site", "Formation", "Audit", "Fournitures"]
# How customers pay: (weight, profile); ("after", level, (min, max) days after that reminder)
PROFILES = [
    (25, ("early",)),
    (25, ("after", 1, (1, 9))),
    (18, ("after", 2, (2, 12))),
    (10, ("after", 3, (3, 20))),
    (22, ("never",)),
]
DAYS = 150


def setup_company(env):
    env["res.lang"]._activate_lang("fr_FR")
    env["ir.module.module"].search([("state", "=", "installed")])._update_translations(["fr_FR"])
    eur = env.ref("base.EUR")
    eur.active = True
    # as in tests: no call to Odoo's partner-autocomplete service (no internet here)
    thread = threading.current_thread()
    thread.testing = True
    company = env["res.company"].create(
        {
            "name": COMPANY,
            "currency_id": eur.id,
            "country_id": env.ref("base.fr").id,
            "street": "12 rue Oberkampf",
            "zip": "75011",
            "city": "Paris",
            "email": "compta@atelier-durand.example.com",
            "phone": "+33 1 23 45 67 89",
        }
    )
    thread.testing = False
    company.partner_id.write({"tz": "Europe/Paris", "lang": "fr_FR"})
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    company.currency_id = eur  # the generic chart sets USD; no entry yet, so it may change
    admin = env.ref("base.user_admin")
    admin.write(
        {
            "company_ids": [Command.link(company.id)],
            "company_id": company.id,
            "lang": "fr_FR",
            "tz": "Europe/Paris",
            "email": admin.email or "admin@atelier-durand.example.com",
        }
    )
    company.write({"relance_digest_user_ids": [Command.set(admin.ids)], "relance_send_hour": 8.0})
    company.relance_program_id.mode = "auto"
    # the customer's "Pay now": Odoo's online payment with its demo provider (test mode)
    demo_method = env.ref("payment_demo.payment_method_demo", raise_if_not_found=False)
    if demo_method:
        provider = env.ref("payment.payment_provider_demo").copy({"company_id": company.id})
        provider.write({"state": "test", "is_published": True, "payment_method_ids": [Command.set(demo_method.ids)]})
    return company


def create_customers(env, company):
    partners = env["res.partner"]
    for index, (name, city) in enumerate(CUSTOMERS):
        slug = name.lower().replace(" ", "-").replace("&", "et").replace("é", "e").replace("è", "e").replace("ô", "o")
        partners |= partners.create(
            {
                "name": name,
                "is_company": True,
                "street": f"{3 + 7 * index} rue de la République",
                "city": city,
                "country_id": env.ref("base.fr").id,
                "lang": "fr_FR",
                # one customer without an email address: its reminders are blocked, the digest says why
                "email": False if name == "Garage Chevalier" else f"compta@{slug}.example.com",
            }
        )
    # Hôtel Bellevue is only reminded by hand
    partners.filtered(lambda p: p.name == "Hôtel Bellevue").with_company(company).relance_policy = "none"
    return partners


def create_invoices(env, company, customers, today, rng):
    moves = env["account.move"]
    values = []
    for _index in range(110):
        invoice_date = today - datetime.timedelta(days=rng.randint(3, DAYS))
        values.append(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": rng.choice(customers).id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date + datetime.timedelta(days=30),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": rng.choice(SERVICES),
                            "quantity": 1,
                            "price_unit": rng.randrange(300, 4800, 50),
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
    moves = moves.create(sorted(values, key=lambda vals: vals["invoice_date"]))
    moves.action_post()
    for move in moves:  # the posting recomputes the due date from the payment terms
        move.invoice_date_due = move.invoice_date + datetime.timedelta(days=30)
    moves[:2].relance_excluded = True  # excluded from automatic reminders
    return moves | create_instalment_invoices(env, company, customers, today)


def create_instalment_invoices(env, company, customers, today):
    """Invoices in instalments, on Odoo's own kind of payment terms: each
    instalment is reminded on its own date, for the amount late."""
    terms = env["account.payment.term"].create(
        [
            {
                "name": "30 % à la commande, solde à 60 jours",
                "company_id": company.id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70, "nb_days": 60}),
                ],
            },
            {
                "name": "Paiement en 3 fois (30/60/90 jours)",
                "company_id": company.id,
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 60}),
                    Command.create({"value": "percent", "value_amount": 40, "nb_days": 90}),
                ],
            },
        ]
    )
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "invoice_date": today - datetime.timedelta(days=days),
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [
                    Command.create({"name": name, "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
            for partner, days, term, name, amount in (
                (customers[0], 20, terms[0], "Installation d'un poste de travail", 2400.0),
                (customers[1], 75, terms[1], "Maintenance annuelle", 3600.0),
                (customers[2], 45, terms[1], "Développement sur mesure", 5000.0),
            )
        ]
    )
    moves.action_post()
    # the first of the three instalments paid: the second one is late now
    env["account.payment.register"].with_context(active_model="account.move", active_ids=moves[1].ids).create(
        {"amount": 1080.0, "payment_date": today - datetime.timedelta(days=44)}
    )._create_payments()
    return moves


def pay(env, move, day):
    if move.payment_state in ("not_paid", "partial"):
        env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": day}
        )._create_payments()


def live(env, company, moves, today, rng):
    """Each day: the payments of that day, then the daily job's reminders."""
    weights = [weight for weight, _profile in PROFILES]
    profiles = {move.id: rng.choices([p for _w, p in PROFILES], weights)[0] for move in moves}
    for move in moves.filtered(lambda move: len(move.invoice_payment_term_id.line_ids) > 1):
        profiles[move.id] = ("never",)  # the instalment invoices stay late, to be seen
    payments = {}
    for move in moves:
        if profiles[move.id][0] == "early":
            day = move.invoice_date_due - datetime.timedelta(days=rng.randint(0, 10))
            payments.setdefault(max(day, move.invoice_date), []).append(move)
    job = env["relance.job"].with_company(company)
    stages = company.relance_program_id.stage_ids
    attach = {stage: stage.attach_invoice for stage in stages}
    stages.attach_invoice = False  # months of stamped PDFs would take long: today's reminders have them
    day = min(moves.mapped("invoice_date"))
    while day < today:
        for move in payments.pop(day, []):
            pay(env, move, day)
        before = set(env["relance.log"].search([("company_id", "=", company.id)]).ids)
        job.with_context(relance_today=day)._send_automatic(company, limit=100000)
        new_logs = env["relance.log"].search([("company_id", "=", company.id), ("id", "not in", list(before))])
        for log in new_logs:
            profile = profiles[log.move_id.id]
            if profile[0] == "after" and profile[1] == log.level:
                delay = rng.randint(*profile[2])
                payments.setdefault(day + datetime.timedelta(days=delay), []).append(log.move_id)
        env.cr.commit()
        day += datetime.timedelta(days=1)
    for stage, value in attach.items():
        stage.attach_invoice = value
    env.cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--smtp-port", type=int, default=0, help="deliver the queued mails to this local port")
    parser.add_argument("--base-url", help="the demo's address, for the links of the mails (default: unchanged)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    if args.smtp_port:
        odoo.tools.config["smtp_server"] = "127.0.0.1"
        odoo.tools.config["smtp_port"] = args.smtp_port
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.base_url:  # the links the customers' mails carry open the demo
            env["ir.config_parameter"].set_param("web.base.url", args.base_url)
        company = env["res.company"].search([("name", "=", COMPANY)])
        if company and env["account.move"].search_count([("company_id", "=", company.id)]):
            print(f"{COMPANY} already there")
            return
        rng = random.Random(2026)
        company = company or setup_company(env)
        cr.commit()
        env = env(context={"allowed_company_ids": company.ids})
        today = company._relance_today()
        customers = create_customers(env, company)
        moves = create_invoices(env, company, customers, today, rng)
        cr.commit()
        print(f"{len(moves)} invoices:", env["account.move"].search_count([("company_id", "=", company.id)]))
        live(env, company, moves, today, rng)
        logs = env["relance.log"].search([("company_id", "=", company.id)])
        paid = logs.filtered("paid_date")
        print(f"{COMPANY}: {len(moves)} invoices, {len(logs)} reminders, {len(paid)} followed by a payment")
        if args.smtp_port:
            env["mail.mail"].process_email_queue()


if __name__ == "__main__":
    main()
