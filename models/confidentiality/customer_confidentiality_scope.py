"""Models that hold a link to a customer (or to a document ruled by the customer's level) and are
deliberately NOT ruled by the customer's level, each with its reason.

Every other such model carries a global rule on ``customer_access_ok``
(security/customer_confidentiality_rules.xml); ``tests/test_confidentiality_scope.py`` enumerates the
registry and fails on a model that is neither ruled nor listed here. The README's "Not covered" list
is this list.
"""

TRANSIENT = (
    "Wizard (transient), opened on records the user reads: only its creator reads it (a rule in "
    "security/wizard_rules.xml, for every wizard that holds customer data)."
)
MESSAGING = (
    "Messaging: access follows the document it belongs to (mail's own checks), whoever the partner is."
)
COMPANY = "The company's and employees' own partners, which no level applies to."
CONFIGURATION = "Configuration read by everyone (names only); no customer data."
OWNER = (
    "Owner of consigned stock: vendors or the company in practice; stock users must see every quant "
    "to move goods."
)

CONFIDENTIALITY_EXEMPT_MODELS = {
    # Wizards
    "account.autopost.bills.wizard": TRANSIENT,
    "account.move.send.wizard": TRANSIENT,
    "account.payment.register": TRANSIENT,
    "account.setup.bank.manual.config": TRANSIENT,
    "base.partner.merge.automatic.wizard": TRANSIENT,
    "credit.collection.log": TRANSIENT,
    "credit.evaluation.import": TRANSIENT,
    "mail.compose.message": TRANSIENT,
    "payment.link.wizard": TRANSIENT + " Made only for a readable customer: it shows the customer's e-mail.",
    "payment.refund.wizard": TRANSIENT,
    "portal.wizard.user": TRANSIENT,
    "sale.order.cancel": TRANSIENT,
    "sale.order.discount": TRANSIENT,
    "snailmail.letter.missing.required.fields": TRANSIENT,
    "stock.backorder.confirmation.line": TRANSIENT,
    "stock.package.destination": TRANSIENT,
    "stock.return.picking": TRANSIENT,
    "stock.return.picking.line": TRANSIENT,
    # Messaging
    "discuss.channel.member": MESSAGING,
    "mail.activity": MESSAGING,
    "mail.message": MESSAGING,
    "mail.message.reaction": MESSAGING,
    "mail.notification": MESSAGING + " Each user reads their own notifications.",
    "mail.push.device": "A user's own browser push subscription.",
    "mail.scheduled.message": MESSAGING,
    "res.users.settings.volumes": "A user's own call volume settings.",
    # The company, its users and its configuration
    "res.company": COMPANY,
    "res.users": COMPANY,
    "account.journal": "Journals: their bank account is the company's own.",
    "account.analytic.account": CONFIGURATION,
    "account.analytic.distribution.model": CONFIGURATION,
    "account.reconcile.model.partner.mapping": CONFIGURATION,
    "stock.rule": CONFIGURATION,
    "stock.warehouse": COMPANY,
    "product.supplierinfo": "Vendor prices: vendors are outside the customer levels.",
    "res.partner.autocomplete.sync": "Technical queue of partner enrichment, no data of its own.",
    "sms.sms": "Outgoing text messages: administrators only.",
    # Accounting and stock internals
    "account.full.reconcile": "Reconciliation links between journal items (ids and amounts, no customer); "
    "Odoo reads them across documents in sudo.",
    "account.partial.reconcile": "Reconciliation links between journal items (ids and amounts, no customer); "
    "Odoo reads them across documents in sudo.",
    "stock.valuation.layer": "Inventory valuation (product costs); its entry and move are ruled.",
    "stock.package_level": "Packages of a transfer (package and locations); the transfer is ruled.",
    "stock.scrap": "Scrapped goods (product, quantity, location); the transfer is ruled.",
    "stock.quant": OWNER,
    "procurement.group": "Name of an order's replenishment group (the order's reference): created as the "
    "salesperson confirming; its moves and transfers are ruled.",
    "customer.access.log": "The access log: custodians and credit auditors only (access rights), who "
    "must see every entry; it holds the customer's name and level only.",
}

# Wizards linking a customer, or a record ruled by the customer's level, are their creator's only
# (security/wizard_rules.xml), except these, each with its reason.
CREATOR_RULE_EXEMPT_WIZARDS = {
    "confirm.stock.sms": "Holds the transfers only (a many2many, read through their own rules), no "
    "data of its own; its module (stock_sms, auto-installed) is not a dependency.",
}
