{
    "name": "Customer Credit Management",
    "summary": "Credit grades, credit lines and enforcement, receivables aging, "
    "collection letters, and a confidential customer file",
    "version": "18.0.1.0.0",
    "category": "Sales/Credit Control",
    "author": "Customer Credit Management contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["sale_stock", "account"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/customer_credit_security.xml",
        "security/ir.model.access.csv",
        "data/credit_grade_data.xml",
        "data/credit_aging_bucket_data.xml",
        "views/credit_grade_views.xml",
        "views/res_partner_views.xml",
        "views/customer_credit_menus.xml",
        "views/credit_aging_bucket_views.xml",
        "wizard/credit_aging_wizard_views.xml",
        "report/credit_aging_report.xml",
    ],
    "demo": [
        "demo/customer_credit_demo.xml",
    ],
}
