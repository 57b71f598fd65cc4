import datetime

from odoo import api, fields, models
from odoo.tools import format_amount, format_date


class AccountMove(models.Model):
    """Invoices in instalments (Odoo's payment terms: “30% now, balance in 60
    days”): each payment term line is late on its own date. Reminders follow
    the oldest unpaid instalment (a partial payment reduces it as Odoo
    reconciles it), and say what is late now beside the invoice's total."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    relance_due_date = fields.Date(
        string="Late From",
        compute="_compute_relance_due_date",
        store=True,
        index=True,
        help="The due date the days late count from: the oldest unpaid instalment's for an invoice "
        "in instalments, else the invoice's due date.",
    )
    relance_instalment = fields.Integer(
        string="Instalment",
        compute="_compute_relance_due_date",
        store=True,
        help="Number of the oldest unpaid instalment (1 for an invoice with one due date).",
    )
    relance_instalment_count = fields.Integer(
        string="Instalments",
        compute="_compute_relance_due_date",
        store=True,
        help="How many instalments the invoice is paid in (1: one due date).",
    )
    relance_late_text = fields.Char(
        string="Late Now",
        compute="_compute_relance_late_text",
        help="For an invoice in instalments: the amount late now, since when, and which instalment.",
    )

    def _relance_instalments(self):
        """{invoice id: (due date, amount left, number, count)} of the oldest
        unpaid instalment of each invoice in several instalments (absent: one
        due date, or nothing left to pay)."""
        result = {}
        for move in self:
            terms = move.line_ids.filtered(lambda line: line.display_type == "payment_term").sorted(
                lambda line: (line.date_maturity or datetime.date.max, line.id)
            )
            if len(terms) < 2:
                continue
            for number, line in enumerate(terms, start=1):
                if not line.reconciled and line.amount_residual_currency:
                    result[move.id] = (line.date_maturity, line.amount_residual_currency, number, len(terms))
                    break
        return result

    @api.depends(
        "move_type",
        "invoice_date_due",
        "line_ids.display_type",
        "line_ids.date_maturity",
        "line_ids.reconciled",
        "line_ids.amount_residual_currency",
    )
    def _compute_relance_due_date(self):
        # stored: the planner reads it in its one query, and the due filter is indexed
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        instalments = invoices._relance_instalments()
        for move in self:
            if move.id in instalments:
                due, __, number, count = instalments[move.id]
                move.relance_due_date, move.relance_instalment, move.relance_instalment_count = due, number, count
            else:
                move.relance_due_date = move.invoice_date_due if move in invoices else False
                move.relance_instalment = move.relance_instalment_count = 1

    def _relance_due_dates(self):
        """{invoice id: the due date its days late count from}: its oldest
        unpaid instalment's for an invoice in instalments, else Odoo's due date."""
        return {move.id: move.relance_due_date or move.invoice_date_due for move in self}

    @api.depends("line_ids.amount_residual_currency", "line_ids.date_maturity", "line_ids.reconciled")
    @api.depends_context("relance_today", "lang")
    def _compute_relance_late_text(self):
        instalments = self.filtered(lambda move: move.move_type == "out_invoice")._relance_instalments()
        for move in self:
            instalment = instalments.get(move.id)
            if not instalment:
                move.relance_late_text = False
                continue
            due, amount, number, count = instalment
            today = move.company_id._relance_today()
            late = sum(
                line.amount_residual_currency
                for line in move.line_ids
                if line.display_type == "payment_term" and not line.reconciled and line.date_maturity <= today
            )
            values = {
                "total": format_amount(self.env, move.amount_total, move.currency_id),
                "date": format_date(self.env, due),
                "number": number,
                "count": count,
            }
            if late:
                move.relance_late_text = self.env._(
                    "%(late)s of %(total)s late since %(date)s, instalment %(number)s of %(count)s",
                    late=format_amount(self.env, late, move.currency_id),
                    **values,
                )
            else:
                move.relance_late_text = self.env._(
                    "Nothing late: %(amount)s of %(total)s due on %(date)s, instalment %(number)s of %(count)s",
                    amount=format_amount(self.env, amount, move.currency_id),
                    **values,
                )
