import datetime
from collections import defaultdict

from odoo import api, models
from odoo.tools import format_amount, format_date

from .. import planner as core


class RelanceDigest(models.AbstractModel):
    """The simulation digest: customer by customer, level by level, what the
    daily job will send and what it will not, and why. The same mail comes
    from the job and from “Send me a simulation”."""

    _name = "relance.digest"
    _description = "Reminder Simulation Digest"

    @api.model
    def _reason_labels(self):
        return {
            core.REASON_ALREADY_SENT: self.env._("Already sent"),
            core.REASON_POLICY_NONE: self.env._("Customer not reminded automatically"),
            core.REASON_EXCLUDED: self.env._("Invoice excluded from automatic reminders"),
            core.REASON_MANUAL: self.env._("Program in manual mode"),
            core.REASON_NO_EMAIL: self.env._("No valid email address"),
            core.REASON_NO_ADDRESS: self.env._("No postal address for the letter"),
            core.REASON_TEMPLATE_ERROR: self.env._("Template error"),
        }

    @api.model
    def _values(self, company, plan):
        """What the digest shows, formatted in the env's language."""
        env = self.env
        lang = env.lang or "en_US"
        today = company._relance_today()
        labels = self._reason_labels()
        shown = [line for line in plan if line.reason != core.REASON_ALREADY_SENT and line.company_id == company.id]
        moves = env["account.move"].sudo().browse([line.invoice_id for line in shown])
        moves.fetch(["name", "invoice_date_due", "amount_residual", "currency_id"])
        partners = env["res.partner"].sudo().browse({line.partner_id for line in shown})
        by_partner = defaultdict(lambda: defaultdict(list))
        level_totals = defaultdict(lambda: {"count": 0, "send": 0})
        reason_totals = defaultdict(int)
        for line in shown:
            move = env["account.move"].sudo().browse(line.invoice_id)
            by_partner[line.partner_id][line.level].append(
                {
                    "name": move.name,
                    "due_date": format_date(env, move.invoice_date_due, lang_code=lang),
                    "days_late": line.days_late,
                    "amount": format_amount(env, move.amount_residual, move.currency_id, lang_code=lang),
                    "send": line.send,
                    "letter": core.uses_letter(line.channel),
                    "reason": labels.get(line.reason, "") if line.reason else "",
                }
            )
            level_totals[line.level]["count"] += 1
            level_totals[line.level]["send"] += int(line.send)
            if line.reason:
                reason_totals[labels[line.reason]] += 1
        customers = [
            {
                "name": partner.display_name,
                "levels": [(level, by_partner[partner.id][level]) for level in sorted(by_partner[partner.id])],
            }
            for partner in partners.sorted(lambda p: (p.display_name or "").lower())
        ]
        failed = (
            env["relance.log"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("kind", "=", "auto"),
                    ("state", "=", "failed"),
                    ("date", ">=", today - datetime.timedelta(days=1)),
                ]
            )
        )
        letter_lines = [line for line in shown if line.send and core.uses_letter(line.channel)]
        letter_programs = env["relance.program"].sudo().browse({line.program_id for line in letter_lines})
        waiting = env["relance.log"].sudo().search([("company_id", "=", company.id), ("state", "=", "to_print")])
        return {
            "company": company,
            "letters_to_make": len(env["relance.job"]._group_mails(letter_lines, {p.id: p for p in letter_programs})),
            "letters_waiting": len(waiting._letter_groups()),
            "date": format_date(env, today, lang_code=lang),
            "customers": customers,
            "level_totals": sorted(level_totals.items()),
            "reason_totals": sorted(reason_totals.items()),
            "to_send": sum(1 for line in shown if line.send),
            "not_sent": sum(1 for line in shown if not line.send),
            "already_sent": sum(1 for line in plan if line.reason == core.REASON_ALREADY_SENT),
            "failed": [
                {"name": log.move_id.name, "level": log.level, "reason": log.failure_reason or ""} for log in failed
            ],
        }

    @api.model
    def _render(self, company, plan):
        """(subject, HTML body) of the digest in the env's language."""
        values = self._values(company, plan)
        body = self.env["ir.qweb"]._render("relances_auto.relance_digest_body", values)
        subject = self.env._(
            "%(company)s: reminders of %(date)s, %(count)s to send automatically",
            company=company.name,
            date=values["date"],
            count=values["to_send"],
        )
        return subject, body
