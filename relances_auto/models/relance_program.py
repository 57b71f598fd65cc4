from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

MAX_STAGES = 3


class RelanceProgram(models.Model):
    _name = "relance.program"
    _description = "Reminder Program"
    _order = "company_id, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    mode = fields.Selection(
        [("manual", "Manual"), ("auto", "Automatic")],
        required=True,
        default="manual",
        help="Manual: reminders are only sent by hand from the invoice.\n"
        "Automatic: the daily job sends the reminder due to each customer.",
    )
    stage_ids = fields.One2many("relance.stage", "program_id", string="Stages", copy=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Gets the activities (e.g. calls) of the stages that schedule one; empty: the invoice's salesperson.",
    )
    one_mail_per_customer = fields.Boolean(
        string="One Mail per Customer",
        help="The daily job sends each customer a single mail covering all its invoices "
        "due for a reminder, at the highest level due, with #REF# replaced by the list of numbers.",
    )
    promise_max_days = fields.Integer(
        string="Longest Promise (days)",
        default=30,
        help="From its reminder's link, a customer may promise to pay at most this many days ahead.",
    )
    stage_count = fields.Integer(compute="_compute_stage_count")
    next_stage_level = fields.Integer(compute="_compute_stage_count")

    @api.model_create_multi
    def create(self, vals_list):
        programs = super(RelanceProgram, self.with_context(relance_defer_program_check=True)).create(vals_list)
        return programs.with_env(self.env)

    def write(self, vals):
        return super(RelanceProgram, self.with_context(relance_defer_program_check=True)).write(vals)

    @api.model
    def _default_program_texts(self):
        """Name and stage subjects of the default program, in the env's language."""
        return {
            "name": self.env._("Standard reminders"),
            "subjects": {
                1: self.env._("Reminder: invoice #REF# is overdue"),
                2: self.env._("Second reminder: invoice #REF# is still unpaid"),
                3: self.env._("Formal notice: invoice #REF# remains unpaid"),
            },
        }

    @api.model
    def _default_texts_by_english(self):
        """{English default text: the same text in the env's language}, for the
        names and subjects of both default programs."""
        texts = self._default_program_texts()
        return {
            "names": {
                "Standard reminders": texts["name"],
                "Courtesy and reminders": self.env._("Courtesy and reminders"),
            },
            "subjects": {
                "Reminder: invoice #REF# is overdue": texts["subjects"][1],
                "Second reminder: invoice #REF# is still unpaid": texts["subjects"][2],
                "Formal notice: invoice #REF# remains unpaid": texts["subjects"][3],
                "Invoice #REF# is due soon": self.env._("Invoice #REF# is due soon"),
            },
        }

    @api.model
    def _translate_default_programs(self, langs):
        """Give the default programs their texts in languages installed after
        them, where they still read the default English text untranslated."""
        programs = self.sudo().with_context(lang="en_US", active_test=False)
        # every company's programs: a few rows
        programs = programs.search([])  # pylint: disable=no-search-all
        for lang in set(langs) - {"en_US"}:
            translated = programs.with_context(lang=lang)._default_texts_by_english()
            for program in programs:
                name = translated["names"].get(program.name)
                if name and program.name == program.with_context(lang=lang).name:
                    program.update_field_translations("name", {lang: name})
                for stage in program.stage_ids:
                    subject = translated["subjects"].get(stage.subject)
                    if subject and stage.subject == stage.with_context(lang=lang).subject:
                        stage.update_field_translations("subject", {lang: subject})

    @api.model
    def _create_default_program(self, company):
        """A manual program with 3 stages (J+7, J+15, J+30), usable at once:
        nothing is sent until an administrator switches it to automatic."""
        Program = self.sudo().with_context(lang="en_US")
        texts = Program._default_program_texts()
        program = Program.create(
            {
                "name": texts["name"],
                "company_id": company.id,
                "mode": "manual",
                "stage_ids": [
                    Command.create(
                        {
                            "level": level,
                            "delay_days": delay,
                            "subject": texts["subjects"][level],
                            "mail_template_id": self.env["relance.stage"]._default_template_for_level(level).id,
                        }
                    )
                    for level, delay in ((1, 7), (2, 15), (3, 30))
                ],
            }
        )
        for lang, __ in self.env["res.lang"].get_installed():
            if lang == "en_US":
                continue
            translated = Program.with_context(lang=lang)._default_program_texts()
            program.update_field_translations("name", {lang: translated["name"]})
            for stage in program.stage_ids:
                stage.update_field_translations("subject", {lang: translated["subjects"][stage.level]})
        return program

    @api.model
    def _install_default_programs(self):
        """Give every company without a global program the default one, and
        the courtesy program (J-3, J+3, J+15) to choose instead."""
        for company in self.env["res.company"].sudo().search([("relance_program_id", "=", False)]):
            company.relance_program_id = self._create_default_program(company)
        self._install_courtesy_programs()

    @api.model
    def _install_courtesy_programs(self):
        """The courtesy program for every company that has none yet (archived
        counts: the user chose to put it away), at install and on upgrade."""
        courtesy = self.env.ref("relances_auto.mail_template_relance_courtesy", raise_if_not_found=False)
        having = (
            self.sudo()
            .with_context(active_test=False)
            .search([("stage_ids.mail_template_id", "=", courtesy.id)])
            .company_id
            if courtesy
            else self.env["res.company"]
        )
        for company in self.env["res.company"].sudo().search([("id", "not in", having.ids)]):
            self._create_courtesy_program(company)

    @api.model
    def _create_courtesy_program(self, company):
        """“Courtesy and reminders”, manual: a friendly notice 3 days before the
        due date, then reminders at J+3 and J+15 (seed 000's schedule in 3 stages)."""
        Program = self.sudo().with_context(lang="en_US")
        texts = Program._default_program_texts()
        courtesy = self.env.ref("relances_auto.mail_template_relance_courtesy", raise_if_not_found=False)
        stages = [
            (1, -3, Program.env._("Invoice #REF# is due soon"), courtesy),
            (2, 3, texts["subjects"][1], self.env["relance.stage"]._default_template_for_level(1)),
            (3, 15, texts["subjects"][2], self.env["relance.stage"]._default_template_for_level(2)),
        ]
        program = Program.create(
            {
                "name": Program.env._("Courtesy and reminders"),
                "company_id": company.id,
                "mode": "manual",
                "stage_ids": [
                    Command.create(
                        {
                            "level": level,
                            "delay_days": delay,
                            "subject": subject,
                            "mail_template_id": template.id,
                            "stamp_invoice": delay > 0,
                        }
                    )
                    for level, delay, subject, template in stages
                ],
            }
        )
        for lang, __ in self.env["res.lang"].get_installed():
            if lang == "en_US":
                continue
            env = self.with_context(lang=lang).env
            program.update_field_translations("name", {lang: env._("Courtesy and reminders")})
            translated = self.with_context(lang=lang)._default_program_texts()["subjects"]
            subjects = {1: env._("Invoice #REF# is due soon"), 2: translated[1], 3: translated[2]}
            for stage in program.stage_ids:
                stage.update_field_translations("subject", {lang: subjects[stage.level]})
        return program

    @api.depends("stage_ids")
    def _compute_stage_count(self):
        for program in self:
            program.stage_count = len(program.stage_ids)
            program.next_stage_level = min(max(program.stage_ids.mapped("level") or [0]) + 1, MAX_STAGES)

    @api.constrains("stage_ids", "name", "mode", "active")
    def _check_stage_ids(self):
        for program in self:
            stages = program.stage_ids
            if not stages:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” needs at least one stage.",
                        program=program.display_name,
                    )
                )
            if len(stages) > MAX_STAGES:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” has %(count)s stages: "
                        "a program has at most %(max)s stages.",
                        program=program.display_name,
                        count=len(stages),
                        max=MAX_STAGES,
                    )
                )
            levels = stages.mapped("level")
            if len(set(levels)) != len(levels):
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” has two stages of the same level: "
                        "give each stage its own level.",
                        program=program.display_name,
                    )
                )
            previous = None
            for stage in stages.sorted("level"):
                if previous and stage.delay_days <= previous.delay_days:
                    raise ValidationError(
                        self.env._(
                            "In the reminder program “%(program)s”, level %(level)s is sent at "
                            "%(delay)s, which is not after level %(prev_level)s (%(prev_delay)s): "
                            "delays must increase with the level.",
                            program=program.display_name,
                            level=stage.level,
                            delay=stage._delay_label(),
                            prev_level=previous.level,
                            prev_delay=previous._delay_label(),
                        )
                    )
                previous = stage

    def _relance_followers(self):
        """{program: (companies using it as global program, customers following it)}."""
        companies = self.env["res.company"].sudo().search([("relance_program_id", "in", self.ids)])
        followers = {}
        for program in self:
            partners = (
                self.env["res.partner"]
                .sudo()
                .with_company(program.company_id)
                .with_context(active_test=False)
                .search([("relance_program_id", "=", program.id)], order="name")
            )
            followers[program] = (companies.filtered(lambda c, p=program: c.relance_program_id == p), partners)
        return followers

    @api.model
    def _names(self, records, limit=5):
        names = records[:limit].mapped("display_name")
        if len(records) > limit:
            names.append(self.env._("and %s more", len(records) - limit))
        return ", ".join(names)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_program_in_use(self):
        for program, (companies, partners) in self._relance_followers().items():
            if companies:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” is the global program of %(company)s: "
                        "choose another global program in Settings first, or archive it.",
                        program=program.display_name,
                        company=self._names(companies),
                    )
                )
            if len(partners) == 1:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” is followed by %(customer)s: give this customer another "
                        "program first, or archive it (the customer then keeps it but is no longer reminded "
                        "automatically).",
                        program=program.display_name,
                        customer=partners.display_name,
                    )
                )
            if partners:
                raise ValidationError(
                    self.env._(
                        "The reminder program “%(program)s” is followed by %(customers)s: give them another "
                        "program first, or archive it (they then keep it but are no longer reminded automatically).",
                        program=program.display_name,
                        customers=self._names(partners),
                    )
                )

    def action_archive(self):
        followers = self._relance_followers()
        result = super().action_archive()
        lines = []
        for program, (companies, partners) in followers.items():
            if companies:
                lines.append(
                    self.env._(
                        "“%(program)s” is archived but is still the global program of %(companies)s: customers on "
                        "the global program are no longer reminded automatically; the digest lists their invoices "
                        "as not sent (program archived). Choose another global program in Settings.",
                        program=program.display_name,
                        companies=self._names(companies),
                    )
                )
            if len(partners) == 1:
                lines.append(
                    self.env._(
                        "“%(program)s” is archived: %(customer)s is no longer reminded automatically; the digest "
                        "lists its invoices as not sent (program archived). Choose another program for this customer.",
                        program=program.display_name,
                        customer=partners.display_name,
                    )
                )
            elif partners:
                lines.append(
                    self.env._(
                        "“%(program)s” is archived: %(customers)s are no longer reminded automatically; the digest "
                        "lists their invoices as not sent (program archived). Choose another program for them.",
                        program=program.display_name,
                        customers=self._names(partners),
                    )
                )
        if not lines:
            return result
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "title": self.env._("Customers without automatic reminders"),
                "message": "\n".join(lines),
                "sticky": True,
                "className": "o_relance_notification",
            },
        }

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if "name" not in (default or {}):
            for program, vals in zip(self, vals_list, strict=True):
                vals["name"] = self.env._("%s (copy)", program.name)
        return vals_list

    @api.model
    def _cron_relances(self):
        """Daily job (runs hourly, acts once a day per company at its sending
        hour): the simulation digest first, then the automatic reminders."""
        self.env["relance.job"]._run()
