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
        "security/customer_credit_rules.xml",
        "data/credit_grade_data.xml",
        "data/credit_evaluation_data.xml",
        "report/credit_evaluation_report.xml",
        "views/credit_grade_views.xml",
        "views/credit_evaluation_views.xml",
        "views/credit_reference_set_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/credit_release_request_views.xml",
        "views/res_config_settings_views.xml",
        "views/customer_credit_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_credit_management/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/customer_credit_demo.xml",
    ],
}
