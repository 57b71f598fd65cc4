from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from .. import planner as core

# Reminders that reach their stage: a test, a failure or a cancelled record never does.
REACHING_KINDS = ("auto", "manual")
NOT_REACHING_STATES = ("failed", "cancelled")


class RelanceLog(models.Model):
    """What reaching a stage brings besides the reminder itself: the call to
    make (an activity on the invoice) and the reminder fee (a customer invoice),
    each once per invoice and level, whether the stage was reached by the
    daily job or by hand."""

    _inherit = "relance.log"  # pylint: disable=consider-merging-classes-inherited

    activity_scheduled = fields.Boolean(
        readonly=True, help="This reminder scheduled its stage's activity on the invoice."
    )
    fee_move_id = fields.Many2one(
        "account.move",
        string="Fee Invoice",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="The invoice of the reminder fee this stage charged (one per invoice and level).",
    )

    def init(self):
        result = super().init()
        # a fee at most once per invoice and level, whatever happens (rerun, two workers)
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS relance_log_fee_unique
                ON relance_log (move_id, level)
             WHERE fee_move_id IS NOT NULL
            """
        )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        logs = super().create(vals_list)
        reaching = logs.filtered(
            lambda log: log.kind in REACHING_KINDS and log.state not in NOT_REACHING_STATES and log.stage_id
        )
        reaching._schedule_activities()
        if not self.env.context.get("relance_no_fees"):
            reaching._charge_fees()
        return logs

    # ------------------------------------------------------------------
    # A call to make
    # ------------------------------------------------------------------

    def _schedule_activities(self):
        """The stage's activity on each invoice reaching it, once per invoice and level."""
        for log in self.filtered(lambda log: log.stage_id.activity_type_id):
            if self.search_count(
                [("move_id", "=", log.move_id.id), ("level", "=", log.level), ("activity_scheduled", "=", True)],
                limit=1,
            ):
                continue
            stage, move = log.stage_id, log.move_id
            due = log.instalment_due_date or move.invoice_date_due  # an invoice in instalments: its instalment's
            move.sudo().activity_schedule(
                activity_type_id=stage.activity_type_id.id,
                date_deadline=core.add_days(due, stage.delay_days) if due else log.date,
                summary=self.env._("Reminder level %s", log.level),
                note=stage.activity_note or "",
                user_id=log._activity_user().id,
            )
            log.sudo().activity_scheduled = True

    def _activity_user(self):
        """Who makes the call: the program's responsible, else the invoice's
        salesperson (a real person), else the first of the company's digest
        recipients, else the user who reached the stage; never a bot."""
        self.ensure_one()
        if self.program_id.user_id:
            return self.program_id.user_id
        if self.move_id.relance_sender_user_id:
            return self.move_id.relance_sender_user_id
        recipients = self.company_id._relance_digest_recipients()
        return recipients[:1] or self.env.user

    # ------------------------------------------------------------------
    # Reminder fees
    # ------------------------------------------------------------------

    def _charge_fees(self):
        """A customer invoice for the stage's fee, once per invoice and level;
        a fee invoice itself is never charged a fee."""
        for log in self.filtered(lambda log: log.stage_id.fee_amount > 0 and not log.move_id.relance_fee_origin_id):
            already = self.sudo().search_count(
                [("move_id", "=", log.move_id.id), ("level", "=", log.level), ("fee_move_id", "!=", False)], limit=1
            )
            if already:
                continue
            log.sudo().fee_move_id = log._make_fee_invoice()

    def _make_fee_invoice(self):
        self.ensure_one()
        move, stage = self.move_id, self.stage_id
        company = move.company_id
        product = company._relance_fee_product()
        lang = move.partner_id.lang or self.env.lang
        fee = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": move.partner_id.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "invoice_date": self.date,
                    "invoice_origin": move.name,
                    "relance_fee_origin_id": move.id,
                    "invoice_user_id": move.invoice_user_id.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": self.with_context(lang=lang).env._(
                                    "Reminder fees: %(invoice)s, reminder level %(level)s",
                                    invoice=move.name,
                                    level=self.level,
                                ),
                                "quantity": 1,
                                # the product's taxes: none for the default one (the French recovery
                                # indemnity is outside the scope of VAT)
                                "price_unit": stage.fee_amount,
                            }
                        )
                    ],
                }
            )
        )
        if company.relance_fee_auto_post:
            fee.action_post()
        move._message_log(
            body=self.env._(
                "Reminder fees of %(amount)s charged for reminder level %(level)s: %(fee)s.",
                amount=format_amount(self.env, stage.fee_amount, company.currency_id),
                level=self.level,
                fee=fee.name or self.env._("draft invoice"),
            )
        )
        return fee


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    relance_fee_origin_id = fields.Many2one(
        "account.move",
        string="Reminder Fees For",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This invoice charges the reminder fees of that invoice: it is never charged fees itself.",
    )

    def _relance_stage_activities(self, stage):
        """The open activities the stage scheduled on these invoices."""
        if not stage or not stage.activity_type_id:
            return self.env["mail.activity"]
        return self.activity_ids.filtered(lambda activity: activity.activity_type_id == stage.activity_type_id)

    def _relance_fee_text(self, stage):
        """The sentence of a reminder that charges a fee (mail and letter), in the env's language."""
        if not stage.fee_amount or any(move.relance_fee_origin_id for move in self):
            return ""
        return self.env._(
            "In accordance with our terms, reminder fees of %(amount)s are charged for this reminder; "
            "they are invoiced separately.",
            amount=format_amount(self.env, stage.fee_amount, self[:1].company_id.currency_id),
        )


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    relance_fee_product_id = fields.Many2one(
        "product.product",
        string="Reminder Fee Product",
        help="The service invoiced for reminder fees (the stages set the amount).",
    )
    relance_fee_auto_post = fields.Boolean(
        string="Post Fee Invoices",
        help="Post the reminder fee invoices at once; otherwise they are left in draft to check.",
    )

    @api.model
    def _relance_set_fee_product(self):
        """On install: every company invoices its reminder fees with the product made for it."""
        product = self.env.ref("relances_auto.product_reminder_fees")
        self.sudo().search([("relance_fee_product_id", "=", False)]).relance_fee_product_id = product  # pylint: disable=no-search-all

    def _relance_fee_product(self):
        """The company's fee product, or the one made on install."""
        self.ensure_one()
        product = self.relance_fee_product_id or self.env.ref(
            "relances_auto.product_reminder_fees", raise_if_not_found=False
        )
        if not product:
            raise UserError(
                self.env._("%s has no reminder fee product: choose one in Settings > Relances.", self.display_name)
            )
        return product
