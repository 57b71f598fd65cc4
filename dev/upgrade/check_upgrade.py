"""Check a database upgraded to this tree's relances_auto against the snapshot
make_history.py took before the upgrade (run by dev/upgrade_test.sh): nothing
lost, nothing sent again, and what the new version adds is there. Exits 1 on
the first difference, saying what it is.

    python check_upgrade.py CONFIG DATABASE SNAPSHOT
"""

import ast
import json
import pathlib
import sys

import odoo
from odoo import api
from odoo.modules.registry import Registry

MODULE = pathlib.Path(__file__).resolve().parents[2] / "relances_auto"
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def main():
    config, database, snapshot_path = sys.argv[1:4]
    with open(snapshot_path) as f:
        before = json.load(f)
    odoo.tools.config.parse_config(["-c", config, "-d", database, "--log-level=warn"])
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        check_upgrade(env, before)
        cr.rollback()
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


def check_upgrade(env, before):
    manifest = ast.literal_eval((MODULE / "__manifest__.py").read_text())
    module = env["ir.module.module"].search([("name", "=", "relances_auto")])
    check(module.latest_version == manifest["version"], f"installed version {module.latest_version}")

    # nothing lost
    logs = env["relance.log"].search([], order="id")
    after = [
        [log.id, log.move_id.name, log.level, log.kind, log.state, str(log.date), log.recipient or ""] for log in logs
    ]
    check(after == before["logs"], f"the {len(before['logs'])} history lines kept as they were")
    check(any(line[4] == "sent" for line in after), "history has delivered reminders")
    programs = sorted(
        [program.company_id.id, program.name, program.mode, len(program.stage_ids)]
        for program in env["relance.program"].with_context(active_test=False, lang="en_US").search([])
    )
    check(all(program in programs for program in before["programs"]), "every program kept, with its mode and stages")
    check(
        {str(company.id): company.relance_program_id.id for company in env["res.company"].search([])}
        == before["global_programs"],
        "each company's global program kept",
    )
    if before["fee_moves"]:
        fees = sorted(env["account.move"].search([("relance_fee_origin_id", "!=", False)]).mapped("name"))
        check(fees == before["fee_moves"], f"fee invoices kept: {fees}")
    if before["paused"]:
        paused = sorted(
            [move.name, str(move.relance_paused_until), move.relance_pause_reason]
            for move in env["account.move"].search([("relance_paused_until", "!=", False)])
        )
        check(paused == before["paused"], "pauses kept")

    # what this version adds
    courtesy = env.ref("relances_auto.mail_template_relance_courtesy")
    for company in env["res.company"].search([]):
        has = (
            env["relance.program"]
            .with_context(active_test=False)
            .search_count([("company_id", "=", company.id), ("stage_ids.mail_template_id", "=", courtesy.id)])
        )
        check(has == 1, f"{company.name} has one “Courtesy and reminders” program")
    moves = env["account.move"].search([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    in_instalments = moves.filtered(lambda move: len(move.invoice_payment_term_id.line_ids) > 1)
    check(bool(in_instalments), "history has an invoice in instalments")
    for move in moves:
        instalments = move._relance_instalments().get(move.id)
        expected = (instalments[0], instalments[2], instalments[3]) if instalments else (move.invoice_date_due, 1, 1)
        got = (move.relance_due_date, move.relance_instalment, move.relance_instalment_count)
        check(got == expected, f"{move.name}: late from {got[0]} (instalment {got[1]} of {got[2]})")
    env.cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'relance_log'")
    indexes = {name for (name,) in env.cr.fetchall()}
    check("relance_log_auto_level_instalment_unique" in indexes, "one automatic level per invoice and instalment")
    check("relance_log_auto_level_unique" not in indexes, "the old per-invoice index is gone")

    # default templates: the unedited ones follow the new default, the edited one is kept and flagged
    templates = env["mail.template"]._relance_default_templates()
    level_1 = env.ref("relances_auto.mail_template_relance_level_1")
    check(before["edit"] in level_1.body_html, "the edited template keeps the accountant's words")
    check(
        level_1.with_context(lang="fr_FR").subject == "Rappel amical : facture {{ object.name }}",
        "and its French subject",
    )
    check(level_1.relance_default_outdated, "it is flagged: Settings offers “Reset to the new default”")
    settings = env["res.config.settings"].create({})
    check(level_1 in settings.relance_outdated_template_ids, "Settings lists it")
    for template in templates - level_1:
        check(template._relance_is_unedited() and not template.relance_default_outdated, f"{template.name}: unedited")
        check(
            template._relance_new_default_checksum() == template.relance_default_checksum,
            f"{template.name}: is the new default, in every language",
        )
    french = env.ref("relances_auto.mail_template_relance_level_2").with_context(lang="fr_FR")
    check("relance_late_text" in french.body_html and "Bonjour" in french.body_html, "level 2 in French, new wording")
    settings.action_relance_reset_templates()
    check(
        before["edit"] not in level_1.body_html and not level_1.relance_default_outdated,
        "“Reset to the new default” brings the new default",
    )

    # nothing sent again: the day's run once more
    queued_before = env["relance.log"].search_count([])
    sent_levels = {(line[1], line[2]) for line in before["logs"] if line[3] != "test" and line[4] != "failed"}
    company = env.company
    company.relance_run_date = False
    env["relance.job"]._run(force=True)
    env.flush_all()
    new_logs = env["relance.log"].search([("id", ">", max(line[0] for line in before["logs"]))])
    again = [(log.move_id.name, log.level) for log in new_logs if (log.move_id.name, log.level) in sent_levels]
    check(not again, f"the day's run again sends no level twice ({len(new_logs)} new lines: {again})")
    check(env["relance.log"].search_count([]) >= queued_before, "and loses none")


if __name__ == "__main__":
    main()
