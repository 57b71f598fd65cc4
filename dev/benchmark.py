"""Benchmark of the reminder planner on N overdue invoices over N/10 customers.

Run it through dev/benchmark.sh, which creates the database. Invoices are
cloned in SQL from one real posted invoice (creating 100,000 through the ORM
would take hours and measure nothing of ours); the planner then reads them as
it reads any invoice. Prints wall time and SQL query count per size: the
query count must not grow with N.
"""

import argparse
import datetime
import time

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry

TODAY = datetime.date(2026, 3, 31)


def clone_rows(cr, table, template_id, count, overrides):
    """Insert ``count`` copies of row ``template_id`` of ``table``; ``overrides``
    maps column -> SQL expression of ``n`` (1..count). Returns the new ids."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
        [table],
    )
    columns = [name for (name,) in cr.fetchall()]
    select = ", ".join(overrides.get(col, f't."{col}"') for col in columns)
    cr.execute(
        f"""
        INSERT INTO "{table}" ({", ".join(f'"{c}"' for c in columns)})
        SELECT {select} FROM "{table}" t, generate_series(1, %s) AS n WHERE t.id = %s
        RETURNING id
        """,
        [count, template_id],
    )
    return [row[0] for row in cr.fetchall()]


# The digest (with its dry-run rendering of each mail) is timed up to this many invoices.
DIGEST_MAX = 10_000


def add_invoices(env, company, template_move, count, offset):
    """``count`` more overdue invoices over count/10 new customers."""
    cr = env.cr
    partners = clone_rows(
        cr,
        "res_partner",
        template_move.partner_id.id,
        max(count // 10, 1),
        {
            "name": f"'Bench customer ' || (n + {offset})",
            "complete_name": f"'Bench customer ' || (n + {offset})",
            "email": f"'bench' || (n + {offset}) || '@example.com'",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [partners])
    cr.execute("CREATE TEMP TABLE IF NOT EXISTS bench_partner (k int, id int)")
    cr.execute("TRUNCATE bench_partner")
    cr.execute(
        "INSERT INTO bench_partner SELECT ordinality, id FROM unnest(%s::int[]) WITH ORDINALITY AS u(id, ordinality)",
        [partners],
    )
    nb = len(partners)
    moves = clone_rows(
        cr,
        "account_move",
        template_move.id,
        count,
        {
            "name": f"'BENCH/' || (n + {offset})",
            "partner_id": f"(SELECT id FROM bench_partner WHERE bench_partner.k = 1 + mod(n, {nb}))",
            "commercial_partner_id": f"(SELECT id FROM bench_partner WHERE bench_partner.k = 1 + mod(n, {nb}))",
            # 1 to 60 days late: every stage of the default program is reached
            "invoice_date_due": f"DATE '{TODAY}' - (1 + mod(n, 60))",
            "relance_due_date": f"DATE '{TODAY}' - (1 + mod(n, 60))",
            "relance_excluded": "(mod(n, 50) = 0)",
            "relance_last_level": "0",
        },
    )
    # Their payment term lines (the receivable, one per instalment): a third of
    # the invoices in two instalments, a sixth of them in three.
    cr.execute("CREATE TEMP TABLE IF NOT EXISTS bench_move (k int PRIMARY KEY, id int, due date)")
    cr.execute("TRUNCATE bench_move")
    cr.execute(
        """
        INSERT INTO bench_move
        SELECT u.k, m.id, m.invoice_date_due
          FROM unnest(%s::int[]) WITH ORDINALITY AS u(id, k) JOIN account_move m ON m.id = u.id
        """,
        [moves],
    )
    term_line = template_move.line_ids.filtered(lambda line: line.display_type == "payment_term")[:1].id
    instalments = (
        env["account.payment.term"]
        .search([("line_ids", "!=", False)])
        .filtered(lambda term: len(term.line_ids) > 1)[:1]
    )
    cr.execute(
        "UPDATE account_move SET invoice_payment_term_id = %s WHERE id IN (SELECT id FROM bench_move WHERE k %% 3 = 0)",
        [instalments.id],
    )
    for every, days_before in ((1, 0), (3, 30), (6, 60)):
        clone_rows(
            cr,
            "account_move_line",
            term_line,
            count // every,
            {
                "move_id": f"(SELECT id FROM bench_move WHERE k = n * {every})",
                "date_maturity": f"(SELECT due FROM bench_move WHERE k = n * {every}) - {days_before}",
                "reconciled": "FALSE",
            },
        )
    # what account.move._compute_relance_due_date stores: the oldest unpaid instalment
    cr.execute(
        """
        UPDATE account_move m
           SET relance_due_date = l.due, relance_instalment = 1, relance_instalment_count = l.count
          FROM (SELECT move_id, MIN(date_maturity) AS due, COUNT(*) AS count
                  FROM account_move_line
                 WHERE display_type = 'payment_term' AND move_id IN (SELECT id FROM bench_move)
                 GROUP BY move_id) l
         WHERE m.id = l.move_id
        """
    )
    env.invalidate_all()


def create_template_invoice(env, name):
    """One real posted invoice, the row the benchmark's invoices are cloned from."""
    customer = env["res.partner"].create(
        {"name": name, "email": "template@example.com", "street": "1 rue du Test", "city": "Lyon"}
    )
    template_move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": "2026-01-01",
            "invoice_line_ids": [Command.create({"name": "Bench", "quantity": 1, "price_unit": 100.0})],
        }
    )
    template_move.action_post()
    env.flush_all()
    return template_move


def time_plan(env, company):
    env.invalidate_all()
    env.registry.clear_cache()
    planner = env["relance.planner"]
    planner._get_plan(companies=company, today=TODAY)  # warm Python imports, not data
    env.invalidate_all()
    before = env.cr.sql_log_count
    start = time.perf_counter()
    plan = planner._get_plan(companies=company, today=TODAY)
    elapsed = time.perf_counter() - start
    return elapsed, env.cr.sql_log_count - before, plan


def time_digest(env, company, plan):
    """The simulation digest of ``plan`` rendered and queued for one user."""
    job = env["relance.job"].with_context(relance_today=TODAY)
    start = time.perf_counter()
    job._send_digest(company, env.user, plan=plan)
    env.flush_all()
    return sum(1 for line in plan if line.reason != "already_sent"), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--job-size", type=int, default=10000, help="due reminders for the job timing (0: skip)")
    parser.add_argument("--pdf-size", type=int, default=20, help="invoices for the PDF timing (0: skip)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        company.relance_program_id.mode = "auto"
        template_move = create_template_invoice(env, "Bench template")
        total = 1  # the template invoice
        env.user.partner_id.email = env.user.partner_id.email or "admin@example.com"
        print(
            f"{'invoices':>10} {'customers':>10} {'plan lines':>11} {'seconds':>8} {'queries':>8} "
            f"{'digest rows':>12} {'digest s':>9}"
        )
        for size in sorted(args.sizes):
            add_invoices(env, company, template_move, size - total, total)
            total = size
            cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner")
            elapsed, queries, plan = time_plan(env, company)
            if size <= DIGEST_MAX:
                digest_rows, digest_time = time_digest(env, company, plan)
                digest = f"{digest_rows:>12,} {digest_time:>9.2f}"
            else:  # the digest renders every mail it announces: about 1.5 ms each, measured up to DIGEST_MAX
                digest = f"{'-':>12} {'-':>9}"
            print(f"{size:>10,} {size // 10:>10,} {len(plan):>11,} {elapsed:>8.2f} {queries:>8} {digest}")
        cr.rollback()
        if args.pdf_size:
            time_pdfs(env, args.pdf_size)
            cr.rollback()
        if args.job_size:
            time_job(env, args.job_size)


def time_pdfs(env, size):
    """Invoice PDFs per second, side by side in one run: Odoo's invoice report
    rendered one invoice at a time and all in one render, then ours: the
    first reminder of invoices never sent (rendered together, kept as each
    invoice's PDF, stamped), and the stamped copies of stored originals
    (what a reminder of an invoice the customer received costs)."""
    company = env.company
    template_move = create_template_invoice(env, "PDF template")
    add_invoices(env, company, template_move, size, 2_000_000)
    moves = env["account.move"].search([("name", "like", "BENCH/2")], limit=size)
    env.cr.execute(
        "UPDATE account_move SET invoice_date_due = %s WHERE id IN %s",
        [TODAY - datetime.timedelta(days=10), tuple(moves.ids)],
    )
    env.invalidate_all()
    report = env["ir.actions.report"].sudo()
    documents = env["relance.document"].with_context(relance_today=TODAY)
    print()
    print(f"{'PDFs of ' + str(len(moves)) + ' invoices':<58} {'seconds':>8} {'PDFs/s':>8}")

    def row(label, render, count=None):
        count = count or len(moves)
        start = time.perf_counter()
        render()
        elapsed = time.perf_counter() - start
        print(f"{label:<58} {elapsed:>8.2f} {count / elapsed:>8.2f}")

    row(
        "Odoo's invoice report, one render each",
        lambda: [report._render_qweb_pdf("account.account_invoices", m.ids) for m in moves],
    )
    row(
        "Odoo's invoice report, all in one render",
        lambda: report._render_qweb_pdf("account.account_invoices", moves.ids),
    )
    row("ours: never sent: rendered together, kept, stamped", lambda: documents._prepare(moves, stamp=True))
    rounds = 10
    row(
        f"ours: stamped copies of stored originals (x{rounds})",
        lambda: [documents._prepare(moves, stamp=True) for __ in range(rounds)],
        count=len(moves) * rounds,
    )


def time_job(env, size):
    """The whole daily job (digest + queuing the mails) on ``size`` due
    reminders, one per invoice, over size/10 customers. Attachments are off
    here (one wkhtmltopdf run per PDF dominates otherwise); small samples with
    the stamped invoice PDF attached, and by letter, are timed apart. No HTTP
    server runs here: wkhtmltopdf renders without the web assets (a few
    tenths of a second faster than a served instance)."""
    company = env.company
    program = company.relance_program_id
    program.mode = "auto"
    env.user.partner_id.email = env.user.partner_id.email or "admin@example.com"
    company.email = company.email or "billing@example.com"  # reminders come from the company
    company.relance_digest_user_ids = env.user
    template_move = create_template_invoice(env, "Job template")
    job = env["relance.job"].with_context(relance_today=TODAY)
    print()
    offset = 1_000_000
    samples = (
        ("without attachment", False, "email", size),
        ("with the stamped original attached", True, "email", min(200, size)),
        ("by letter (PDF stored)", False, "letter", min(20, size)),
    )
    for index, (label, attach, channel, count) in enumerate(samples):
        add_invoices(env, company, template_move, count, offset)
        offset += count
        env.cr.execute(
            "UPDATE account_move SET invoice_date_due = %s, relance_excluded = FALSE WHERE name LIKE 'BENCH/%%'",
            [TODAY - datetime.timedelta(days=10)],
        )
        env.invalidate_all()
        program.stage_ids.write({"attach_invoice": attach, "channel": channel})
        if attach:  # the invoices were sent: their originals are stored (rendered here, not timed)
            sample = env["account.move"].search([("name", "like", "BENCH/%")], order="id desc", limit=count)
            env["relance.document"]._store_originals(sample)
        if index == 0:
            time_anchors(env, program.stage_ids.filtered(lambda s: s.level == 1).mail_template_id)
        mails_before = env["mail.mail"].search_count([])
        queries = env.cr.sql_log_count
        start = time.perf_counter()
        job._send_digest(company, env.user)
        digest_time = time.perf_counter() - start
        done, _remaining = job._send_automatic(company, limit=count)
        elapsed = time.perf_counter() - start
        queries = env.cr.sql_log_count - queries
        queued = env["mail.mail"].search_count([]) - mails_before - 1
        print(
            f"daily job, {label}: digest in {digest_time:.1f} s, then {done:,} reminders queued "
            f"({queued:,} mails), {elapsed:.1f} s in all = {done / elapsed:.1f} reminders/s, "
            f"{queries / max(done, 1):.1f} queries per reminder"
        )


def time_anchors(env, template, count=200):
    """Odoo's own paths on the first ``count`` due invoices with the same
    template, each rolled back after: the mail composer in mass mode (which
    queues beyond 100 records, like our job), and message_post_with_source
    one invoice at a time."""
    moves = env["account.move"].search([("name", "like", "BENCH/")], limit=count, order="id")

    def anchor(label, send):
        env.flush_all()  # pending writes (the stages' options) must not be rolled back with the anchor
        env.cr.execute("SAVEPOINT bench_anchor")
        queries = env.cr.sql_log_count
        start = time.perf_counter()
        send()
        env.flush_all()
        elapsed = time.perf_counter() - start
        queries = env.cr.sql_log_count - queries
        print(
            f"anchor, {label}: {len(moves)} mails in {elapsed:.1f} s = {len(moves) / elapsed:.1f} reminders/s, "
            f"{queries / len(moves):.1f} queries per reminder"
        )
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_anchor")
        env.invalidate_all()

    def composer(layout=False):
        values = {
            "composition_mode": "mass_mail",
            "model": "account.move",
            "res_ids": moves.ids,
            "template_id": template.id,
        }
        if layout:  # wrapped in the same notification layout as our reminders
            values["email_layout_xmlid"] = "mail.mail_notification_layout_with_responsible_signature"
        env["mail.compose.message"].with_context(active_ids=moves.ids, active_model="account.move").create(
            values
        )._action_send_mail()

    def post_with_source():
        for move in moves:
            move.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    anchor("Odoo's mail composer, mass mode", composer)
    anchor("Odoo's mail composer, mass mode, with our layout", lambda: composer(layout=True))
    anchor("Odoo's message_post_with_source, one invoice at a time", post_with_source)


if __name__ == "__main__":
    main()
