import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_amount, format_date

from .. import params
from .. import planner as core


class RelanceDigest(models.AbstractModel):
    """The simulation digest: customer by customer, level by level, what the
    daily job will send and what it will not, and why. The same mail comes
    from the job and from “Send me a simulation”."""

    _name = "relance.digest"
    _description = "Reminder Simulation Digest"

    @api.model
    def _status(self, line, labels, channels, move, failure=None):
        """The one status a digest row states: will be sent, and how, or not
        sent, and why (``failure``: its mail cannot be rendered)."""
        if line.send and failure:
            return self.env._("Not sent: %s", failure)
        if line.send:
            status = self.env._("Will be sent %s", channels[line.channel])
            broken = move.relance_answer_ids.filtered(lambda answer: answer.state == "broken")[:1]
            if broken:  # the customer's promise ended its pause: say why it is reminded again
                status = self.env._(
                    "%(status)s (promise of %(date)s not kept)",
                    status=status,
                    date=format_date(self.env, broken.promised_date),
                )
            return status
        return self.env._("Not sent: %s", self.env["relance.planner"]._reason_text(line, move, labels))

    @api.model
    def _days_late_text(self, days_late):
        """The days-late cell: a number, or when the invoice is due (courtesy reminders)."""
        if days_late > 0:
            return str(days_late)
        if days_late == 0:
            return self.env._("due today")
        if days_late == -1:
            return self.env._("due tomorrow")
        return self.env._("due in %s days", -days_late)

    @api.model
    def _summary(self, company, date, to_send, not_sent):
        """“Simulation of … for 03/31/2026: 2 reminders will be sent, 4 will
        not.”, each count with its own wording (none, one, several)."""
        env = self.env
        if not to_send:
            will = env._("no reminder will be sent")
        elif to_send == 1:
            will = env._("1 reminder will be sent")
        else:
            will = env._("%s reminders will be sent", to_send)
        if not not_sent:
            return env._(
                "Simulation of the automatic reminders of %(company)s for %(date)s: %(will)s.",
                company=company.name,
                date=date,
                will=will,
            )
        if not_sent == 1:
            wont = env._("1 will not")
        else:
            wont = env._("%s will not", not_sent)
        return env._(
            "Simulation of the automatic reminders of %(company)s for %(date)s: %(will)s, %(wont)s.",
            company=company.name,
            date=date,
            will=will,
            wont=wont,
        )

    @api.model
    def _dry_run(self, company, plan):
        """{invoice id: why its mail cannot be made}: every mail the plan
        announces rendered as the run will render it, nothing kept."""
        lines = [line for line in plan if line.send and line.company_id == company.id]
        if not lines:
            return {}
        programs = self.env["relance.program"].sudo().browse({line.program_id for line in lines})
        groups = self.env["relance.job"]._group_mails(lines, {program.id: program for program in programs})
        sender = self.env["relance.sender"].sudo()
        return sender._dry_run(sender._mails_from_lines(groups))

    @api.model
    def _run_done_text(self, company, today):
        """“Today's run is done: 12 sent, 1 failed.” from the day's history."""
        counts = dict(
            self.env["relance.log"]
            .sudo()
            ._read_group(
                [("company_id", "=", company.id), ("kind", "=", "auto"), ("date", "=", today)],
                ["state"],
                ["__count"],
            )
        )
        failed = counts.pop("failed", 0)
        return self.env._(
            "Today's run is done: %(sent)s sent, %(failed)s failed.", sent=sum(counts.values()), failed=failed
        )

    @api.model
    def _values(self, company, plan, failures=None, run_done=False):
        """What the digest shows, formatted in the env's language: each row
        says what the plan says of its invoice, and nothing else.

        :param failures: {invoice id: reason} of the mails that cannot be rendered
        :param run_done: today's run is done: the plan is the next run's
        """
        env = self.env
        failures = failures or {}
        lang = env.lang or "en_US"
        today = company._relance_today()
        planner = env["relance.planner"]
        labels, channels = planner._reason_labels(), planner._channel_phrases()
        base_url = company.get_base_url()
        shown = [line for line in plan if line.reason != core.REASON_ALREADY_SENT and line.company_id == company.id]
        moves = env["account.move"].sudo().browse([line.invoice_id for line in shown])
        moves.fetch(["name", "invoice_date_due", "amount_residual", "currency_id", "relance_paused_until"])
        moves.line_ids.fetch(["display_type", "date_maturity", "reconciled", "amount_residual_currency"])
        partners = env["res.partner"].sudo().browse({line.partner_id for line in shown})
        by_partner = defaultdict(lambda: defaultdict(list))
        level_totals = defaultdict(lambda: {"count": 0, "send": 0})
        reason_totals = defaultdict(int)
        for line in shown:
            move = moves.browse(line.invoice_id).with_prefetch(moves._prefetch_ids)
            by_partner[line.partner_id][line.level].append(
                {
                    "name": move.name,
                    "url": f"{base_url}/odoo/account.move/{move.id}",
                    # the due date the days late count from: its instalment's, for an invoice in instalments
                    "due_date": format_date(env, line.due_date or move.invoice_date_due, lang_code=lang),
                    "days_late": self._days_late_text(line.days_late),
                    # an invoice in instalments: what is late now, of the total, which instalment
                    "amount": move.relance_late_text
                    or format_amount(env, move.amount_residual, move.currency_id, lang_code=lang),
                    "send": line.send and line.invoice_id not in failures,
                    "status": self._status(line, labels, channels, move, failures.get(line.invoice_id)),
                }
            )
            level_totals[line.level]["count"] += 1
            level_totals[line.level]["send"] += int(line.send and line.invoice_id not in failures)
            if line.reason:
                reason_totals[labels[line.reason]] += 1
            elif line.send and line.invoice_id in failures:
                reason_totals[labels[core.REASON_TEMPLATE_ERROR]] += 1
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
                    ("kind", "in", ("auto", "manual")),
                    ("state", "in", ("failed", "bounced")),
                    # failed or bounced since the last digest (a bounce comes back days later)
                    ("write_date", ">=", fields.Datetime.now() - datetime.timedelta(days=1)),
                ]
            )
        )
        letter_lines = [line for line in shown if line.send and core.uses_letter(line.channel)]
        letter_programs = env["relance.program"].sudo().browse({line.program_id for line in letter_lines})
        waiting = env["relance.log"].sudo().search([("company_id", "=", company.id), ("state", "=", "to_print")])
        letters_to_make = len(env["relance.job"]._group_mails(letter_lines, {p.id: p for p in letter_programs}))
        letters_waiting = len(waiting._letter_groups())
        to_send = sum(1 for line in shown if line.send and line.invoice_id not in failures)
        already_sent = sum(1 for line in plan if line.reason == core.REASON_ALREADY_SENT)
        first_later = self._first_stage_later(company, plan)
        date = format_date(env, today, lang_code=lang)
        summary = self._summary(company, date, to_send, len(shown) - to_send)
        if run_done:
            summary = f"{self._run_done_text(company, today - datetime.timedelta(days=1))} {summary}"
        return {
            "company": company,
            "summary": summary,
            "letters": letters_to_make or letters_waiting,
            "letters_to_make": letters_to_make,
            "letters_waiting": letters_waiting,
            "letters_text": env._(
                "Letters to print: %(new)s from this run, %(waiting)s still waiting from earlier reminders "
                "(Reminder History, filter “Letters to print”, select them, Print letters).",
                new=letters_to_make,
                waiting=letters_waiting,
            ),
            "date": date,
            "customers": customers,
            "level_totals": sorted(level_totals.items()),
            "reason_totals": sorted(reason_totals.items()),
            "to_send": to_send,
            "already_sent_text": (
                env._("1 other overdue invoice already received its reminder for the current stage.")
                if already_sent == 1
                else env._(
                    "%s other overdue invoices already received their reminder for the current stage.", already_sent
                )
            )
            if already_sent
            else "",
            "first_later_text": (
                env._("1 overdue invoice reaches its first stage later.")
                if first_later == 1
                else env._("%s overdue invoices reach their first stage later.", first_later)
            )
            if first_later
            else "",
            "failed": [
                {
                    "name": log.move_id.name,
                    "url": f"{base_url}/odoo/account.move/{log.move_id.id}",
                    "level": log.level,
                    "reason": self._failure_text(log, env),
                    # one sentence, so that each language punctuates it its own way
                    "text": env._(
                        "(level %(level)s): %(reason)s", level=log.level, reason=self._failure_text(log, env)
                    ),
                }
                for log in failed
            ],
        }

    @api.model
    def _first_stage_later(self, company, plan):
        """How many invoices of ``company`` are overdue but not yet at their
        first stage (no line in ``plan``: the planner's next stages tell)."""
        planned = {line.invoice_id for line in plan}
        return sum(
            1
            for line in self.env["relance.planner"]._get_plan(companies=company, upcoming=True)
            if line.upcoming and line.days_late > 0 and line.invoice_id not in planned
        )

    @api.model
    def _failure_text(self, log, env):
        """Why a reminder did not reach the customer, and what happens next."""
        reason = log.failure_reason or ""
        if log.state != "failed" or not log.delivery_failed:
            return reason
        retries = params.get(env, "relances_auto.max_retries")
        if log.retry_count < retries:
            return env._(
                "%(reason)s (retry %(number)s of %(count)s at the next hourly run)",
                reason=reason,
                number=log.retry_count + 1,
                count=retries,
            )
        return env._(
            "%(reason)s (failed for good after %(count)s retries: “Retry” on the history line)",
            reason=reason,
            count=retries,
        )

    @api.model
    def _render(self, company, plan, failures=None, run_done=False):
        """(subject, HTML body) of the digest in the env's language."""
        values = self._values(company, plan, failures, run_done)
        body = self.env["ir.qweb"]._render("relances_auto.relance_digest_body", values)
        subject = self.env._(
            "%(company)s: reminders of %(date)s, %(count)s to send automatically",
            company=company.name,
            date=values["date"],
            count=values["to_send"],
        )
        return subject, body
