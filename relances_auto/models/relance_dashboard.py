import datetime
from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date

from .. import planner as core

# Ages of the amount overdue, in days late: (first day, last day or None).
AGE_BUCKETS = ((1, 15), (16, 30), (31, 60), (61, None))
# Days after a reminder within which its invoice was paid, in the effectiveness table.
PAID_WITHIN = (7, 15, 30)
COUNTED_KINDS = ("auto", "manual")
UNCOUNTED_STATES = ("failed", "cancelled")


class RelanceDashboard(models.AbstractModel):
    """The figures of the Relances app's home (the client action
    ``relances_auto.dashboard``): today's plan, the amount overdue by age and
    by last level, the reminders of the last 30 days and how well each stage
    gets invoices paid. Each figure comes with the window action that lists
    what it counts."""

    _name = "relance.dashboard"
    _description = "Reminders Dashboard"

    @api.model
    def get_data(self):
        """Every figure of the dashboard (called by its client action over
        RPC): for invoicing users and auditors, of the companies the caller
        has selected (``env.companies`` only holds companies the user may
        access: Odoo checks the context's ``allowed_company_ids``)."""
        if not self.env.user.has_groups("account.group_account_invoice,account.group_account_readonly"):
            raise AccessError(self.env._("The reminders dashboard is for invoicing users."))
        companies = self.env.companies
        company = self.env.company
        today = company._relance_today()
        return {
            "company_count": len(companies),
            "next_run": format_date(self.env, company._relance_next_run_date()),
            "run_done": self.env["relance.digest"]._run_done_text(company, today)
            if company.relance_run_date and company.relance_run_date >= today
            else False,
            "plan": self._plan_figures(companies),
            "ages": self._age_figures(companies, today),
            "levels": self._level_figures(companies),
            "sent": self._sent_figures(companies, today),
            "answers": self._answer_figures(companies),
            "effectiveness": self._effectiveness(companies, today),
        }

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def _plan_figures(self, companies):
        """What the next automatic run sends, per level and channel, and what
        it will not send, per reason: the planner's own answer."""
        planner = self.env["relance.planner"]
        lines = []
        for company in companies:
            # the next run's plan: tomorrow's once today's run is done
            company_planner = planner.with_context(relance_today=company._relance_next_run_date())
            lines += [
                line for line in company_planner._get_plan(companies=company) if line.reason != core.REASON_ALREADY_SENT
            ]
        amounts = self._amounts([line.invoice_id for line in lines])
        channels = planner._channel_phrases()
        reasons = planner._reason_labels()
        send, blocked = defaultdict(list), defaultdict(list)
        for line in lines:
            if line.send:
                send[(line.level, line.channel)].append(line.invoice_id)
            else:
                blocked[line.reason].append(line.invoice_id)
        return {
            "send": [
                self._figure(
                    self.env._("Level %(level)s %(channel)s", level=level, channel=channels[channel]),
                    ids,
                    amounts,
                )
                for (level, channel), ids in sorted(send.items())
            ],
            "blocked": [
                self._figure(reasons.get(reason, reason), ids, amounts)
                for reason, ids in sorted(blocked.items(), key=lambda item: -len(item[1]))
            ],
            "send_count": sum(len(ids) for ids in send.values()),
            "blocked_count": sum(len(ids) for ids in blocked.values()),
        }

    @api.model
    def _overdue_domain(self, companies):
        return [
            ("company_id", "in", companies.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", tuple(core.REMINDABLE_PAYMENT_STATES)),
        ]

    @api.model
    def _age_figures(self, companies, today):
        """The amount left to pay by age: not due yet, then days late."""
        buckets = [(self.env._("Not due"), [("relance_due_date", ">=", today)])]
        for first, last in AGE_BUCKETS:
            domain = [("relance_due_date", "<=", today - datetime.timedelta(days=first))]
            if last is None:
                label = self.env._("Over %s days", first - 1)
            else:
                label = self.env._("%(first)s–%(last)s days", first=first, last=last)
                domain.append(("relance_due_date", ">=", today - datetime.timedelta(days=last)))
            buckets.append((label, domain))
        base = self._overdue_domain(companies)
        return [self._group_figure(label, base + domain) for label, domain in buckets]

    @api.model
    def _level_figures(self, companies):
        """The amount overdue by the last level sent."""
        base = [*self._overdue_domain(companies), ("relance_overdue", "=", True)]
        return [
            self._group_figure(
                self.env._("Level %s", level) if level else self.env._("Never reminded"),
                [*base, ("relance_last_level", "=", level)],
            )
            for level in (0, 1, 2, 3)
        ]

    @api.model
    def _sent_figures(self, companies, today):
        """Reminders of the last 30 days, by kind and state."""
        Log = self.env["relance.log"]
        base = [("company_id", "in", companies.ids), ("date", ">", today - datetime.timedelta(days=30))]
        kinds = dict(Log._fields["kind"]._description_selection(self.env))
        states = dict(Log._fields["state"]._description_selection(self.env))
        rows = []
        for kind, state, count in Log._read_group(base, ["kind", "state"], ["__count"], order="kind, state"):
            domain = [*base, ("kind", "=", kind), ("state", "=", state)]
            rows.append(
                {
                    "label": f"{kinds.get(kind, kind)} – {states.get(state, state)}",
                    "kind": kinds.get(kind, kind),
                    "state": states.get(state, state),
                    "count": count,
                    "action": self._history_action(self.env._("Reminders of the last 30 days"), domain),
                }
            )
        return rows

    @api.model
    def _answer_figures(self, companies):
        """The customers' answers from their reminders' links: already paid,
        promises (kept, not kept, open) and open disputes, each with its list."""
        base = [("company_id", "in", companies.ids)]
        figures = [
            (self.env._("Already paid (to match)"), [("kind", "=", "paid"), ("state", "=", "open")]),
            (self.env._("Promises to pay, pending"), [("kind", "=", "promise"), ("state", "=", "open")]),
            (self.env._("Promises kept"), [("kind", "=", "promise"), ("state", "=", "kept")]),
            (self.env._("Promises not kept"), [("kind", "=", "promise"), ("state", "=", "broken")]),
            (self.env._("Open disputes"), [("kind", "=", "dispute"), ("state", "=", "open")]),
        ]
        Answer = self.env["relance.answer"]
        return [
            {
                "label": label,
                "count": Answer.search_count(base + domain),
                "action": {
                    "type": "ir.actions.act_window",
                    "name": label,
                    "res_model": "relance.answer",
                    "domain": base + domain,
                    "views": [[False, "list"], [False, "form"]],
                    "context": {"create": False},
                    "help": self._empty_help(),
                },
            }
            for label, domain in figures
        ]

    @api.model
    def _effectiveness(self, companies, today):
        """Per program and level: of the invoices reminded at that level (the
        first such reminder of each invoice), the share fully paid within 7,
        15 and 30 days, and the median days to payment. The shares count the
        invoices reminded at least 30 days ago (all had their 30 days), so
        that they only grow from 7 to 30 days."""
        # raw SQL for the cohorts: the caller's right to read the history is
        # checked here, and the rows are those of the caller's companies (what
        # relance.log's company rule gives)
        self.env["relance.log"].check_access("read")
        self.env["relance.log"].flush_model()
        since = today - datetime.timedelta(days=max(PAID_WITHIN))
        windows = SQL(", ").join(
            SQL(
                "COUNT(*) FILTER (WHERE date <= %(since)s AND paid_date IS NOT NULL AND days_to_pay <= %(days)s)",
                since=since,
                days=days,
            )
            for days in PAID_WITHIN
        )
        self.env.cr.execute(
            SQL(
                """
                WITH firsts AS (%(firsts)s)
                SELECT program_id, level, COUNT(*), COUNT(paid_date), COUNT(*) FILTER (WHERE date <= %(since)s),
                       %(windows)s,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_pay) FILTER (WHERE paid_date IS NOT NULL)
                  FROM firsts
                 GROUP BY program_id, level
                 ORDER BY program_id, level
                """,
                firsts=self._firsts(companies),
                windows=windows,
                since=since,
            )
        )
        rows = []
        programs = self.env["relance.program"].with_context(active_test=False)
        for program_id, level, reminded, paid, cohort, *rest in self.env.cr.fetchall():
            median = rest.pop()
            shares = [f"{round(100 * within / cohort)} %" if cohort else "–" for within in rest]
            program = programs.browse(program_id)
            rows.append(
                {
                    "program": program.display_name,
                    "level": level,
                    "reminded": reminded,
                    "paid": paid,
                    "shares": shares,
                    "median": self.env._("%s days", round(median)) if median is not None else "–",
                    # its list is made when the row is clicked (effectiveness_action): the
                    # payload stays small whatever the years of history
                    "program_id": program_id,
                }
            )
        return rows

    @api.model
    def _firsts(self, companies, program_id=None, level=None):
        """The reminders the effectiveness table counts: of each invoice, the
        first reminder at each level (of one program and level, if given)."""
        where = SQL("")
        if program_id is not None:
            where = SQL(" AND program_id = %s AND level = %s", program_id, level)
        return SQL(
            """
            SELECT DISTINCT ON (move_id, level) id, program_id, level, date, paid_date, days_to_pay
              FROM relance_log
             WHERE company_id IN %(companies)s AND program_id IS NOT NULL
               AND kind IN %(kinds)s AND state NOT IN %(states)s%(where)s
             ORDER BY move_id, level, date, id
            """,
            companies=tuple(companies.ids),
            kinds=COUNTED_KINDS,
            states=UNCOUNTED_STATES,
            where=where,
        )

    @api.model
    def effectiveness_action(self, program_id, level):
        """The list a row of the effectiveness table opens: exactly the
        reminders it counts, with when each was paid (called on click)."""
        if not self.env.user.has_groups("account.group_account_invoice,account.group_account_readonly"):
            raise AccessError(self.env._("The reminders dashboard is for invoicing users."))
        self.env["relance.log"].check_access("read")
        self.env["relance.log"].flush_model()
        self.env.cr.execute(self._firsts(self.env.companies, int(program_id), int(level)))
        log_ids = [row[0] for row in self.env.cr.fetchall()]
        program = self.env["relance.program"].with_context(active_test=False).browse(int(program_id))
        return self._history_action(
            self.env._("%(program)s – level %(level)s", program=program.display_name, level=level),
            [("id", "in", log_ids)],
            effectiveness=True,
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _amounts(self, move_ids):
        """{invoice id: (currency, amount left to pay in it)}: the invoice's own currency."""
        moves = self.env["account.move"].browse(move_ids)
        moves.fetch(["currency_id", "amount_residual"])
        return {move.id: (move.currency_id, move.amount_residual) for move in moves}

    @api.model
    def _sums(self, sums):
        """{currency: amount} as a person reads it: one amount per currency,
        never added across currencies (“12,050.00 € + $ 3,000.00”), and the
        figure's bar length in the current company's currency."""
        company = self.env.company
        sums = {currency: amount for currency, amount in sums.items() if currency and amount}
        if not sums:
            return format_amount(self.env, 0.0, company.currency_id), 0.0
        ordered = sorted(sums.items(), key=lambda item: (item[0] != company.currency_id, item[0].name))
        text = " + ".join(format_amount(self.env, amount, currency) for currency, amount in ordered)
        today = company._relance_today()
        value = sum(currency._convert(amount, company.currency_id, company, today) for currency, amount in ordered)
        return text, value

    @api.model
    def _invoices_label(self, count):
        if count == 1:
            return self.env._("1 invoice")
        return self.env._("%s invoices", count)

    @api.model
    def _figure(self, label, ids, amounts):
        sums = defaultdict(float)
        for move_id in ids:
            currency, amount = amounts[move_id]
            sums[currency] += amount
        text, value = self._sums(sums)
        return {
            "label": label,
            "count": len(ids),
            "count_label": self._invoices_label(len(ids)),
            "value": value,
            "amount": text,
            "action": self._invoices_action(label, [("id", "in", ids)]),
        }

    @api.model
    def _group_figure(self, label, domain):
        groups = self.env["account.move"]._read_group(domain, ["currency_id"], ["__count", "amount_residual:sum"])
        count = sum(group_count for __, group_count, __ in groups)
        text, value = self._sums({currency: amount for currency, __, amount in groups})
        return {
            "label": label,
            "count": count,
            "count_label": self._invoices_label(count),
            "value": value,
            "amount": text,
            "action": self._invoices_action(label, domain),
        }

    @api.model
    def _invoices_action(self, name, domain):
        """The invoices of a figure, in the Late payments list."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.move",
            "domain": domain,
            "views": [
                [self.env.ref("relances_auto.view_relance_late_payments_list").id, "list"],
                [self.env.ref("account.view_move_form").id, "form"],
            ],
            "search_view_id": [self.env.ref("relances_auto.view_relance_late_payments_search").id, "search"],
            "context": {"create": False, "default_move_type": "out_invoice"},
            "help": self._empty_help(),
        }

    @api.model
    def _empty_help(self):
        """What a figure's list says when it shows nothing."""
        return Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            self.env._("Nothing here for this figure"),
            self.env._(
                "Nothing matches this figure now. If the dashboard showed more, it changed since it was loaded "
                "(reload it); a filter of the search bar may also hide records: remove the filters to see them all."
            ),
        )

    @api.model
    def _history_action(self, name, domain, effectiveness=False):
        """The history lines of a figure; for effectiveness, the reminders a
        card counts with when each was paid and in how many days (sort by days
        to pay: the middle one is the card's median), then a pivot."""
        views = [[False, "list"], [False, "form"]]
        if effectiveness:
            views = [
                [self.env.ref("relances_auto.relance_log_view_list_effectiveness").id, "list"],
                [False, "form"],
                [False, "pivot"],
            ]
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "relance.log",
            "domain": domain,
            "views": views,
            "context": {"create": False},
            "help": self._empty_help(),
        }
