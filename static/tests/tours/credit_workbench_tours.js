/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The credit manager's workbench, each step as the role does it; users and data come from
// tests/test_credit_workbench_tours.py (users holding only their role's group).
const CREDIT_APP = "customer_credit_management.menu_credit_root";

function menu(xmlid, content) {
    return { content, trigger: `[data-menu-xmlid='customer_credit_management.${xmlid}']`, run: "click" };
}

registry.category("web_tour.tours").add("ccm_temporary_line_request", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_limit_requests", "Temporary credit lines"),
        {
            content: "Ask for a new one",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "For the customer",
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Tour Seasonal Customer",
        },
        {
            content: "Pick it",
            trigger: ".ui-autocomplete a:contains(Tour Seasonal Customer)",
            run: "click",
        },
        {
            content: "The amount",
            trigger: ".o_field_widget[name='amount'] input",
            run: "edit 5000",
        },
        {
            content: "Until in ten days",
            trigger: ".o_field_widget[name='date_to'] input",
            run: `edit ${luxon.DateTime.now().plus({ days: 10 }).toFormat("MM/dd/yyyy")} && press Escape`,
        },
        {
            content: "Why",
            trigger: ".o_field_widget[name='reason'] textarea",
            run: "edit Seasonal peak before the spring festival",
        },
        ...stepUtils.saveForm(),
        {
            content: "The request waits for a credit manager",
            trigger: ".o_form_statusbar .o_arrow_button_current:contains(To Approve)",
        },
        {
            content: "The requester cannot approve it",
            trigger: ".o_form_statusbar:not(:has(button[name='action_approve']))",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_temporary_line_approve", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_limit_requests", "Temporary credit lines, those to approve first"),
        {
            content: "The salesperson's request waits for me",
            trigger: ".o_data_row:contains(Tour Seasonal Customer):contains(5,000.00) td[name='name']",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "Approved, by me",
            trigger: ".o_form_view:has(.o_arrow_button_current:contains(Approved)) .o_field_widget[name='approved_by_id']:contains(Tour Second Manager)",
        },
    ],
});

// Started on Credit Control > Credit Groups: the menu may sit in the navbar's "more" dropdown.
registry.category("web_tour.tours").add("ccm_credit_group_open", {
    steps: () => [
        {
            content: "Open the group",
            trigger: ".o_data_row:contains(Tour Holding Group) td[name='name']",
            run: "click",
        },
        {
            content: "Its line, in force with its temporary line",
            trigger: ".o_field_widget[name='credit_line']:contains(3,000.00)",
        },
        {
            content: "Its exposure, the members' added up",
            trigger: ".o_field_widget[name='credit_exposure']:contains(1,200.00)",
        },
        {
            content: "Its members",
            trigger: ".o_field_widget[name='member_ids'] .o_data_row:contains(Tour Member North)",
        },
        {
            content: "Its temporary group lines",
            trigger: ".o_notebook .nav-link:contains(Temporary Group Lines)",
            run: "click",
        },
        {
            content: "The approved one",
            trigger: ".o_field_widget[name='limit_request_ids'] .o_data_row:contains(3,000.00):contains(Approved)",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_held_order_confirm", {
    steps: () => [
        ...stepUtils.goToAppSteps(CREDIT_APP, "Open Credit Control"),
        menu("menu_credit_held_orders_mine", "My held orders"),
        {
            content: "The held order that can be confirmed now",
            trigger: ".o_data_row.text-success:contains(Tour Held Customer) div[name='credit_confirmable'] input:checked",
        },
        {
            content: "The one still beyond the line is not confirmable",
            trigger: ".o_data_row:not(.text-success):contains(Tour Still Held Customer)",
        },
        {
            content: "Confirm it in one click",
            trigger: ".o_data_row:contains(Tour Held Customer) button[name='action_credit_confirm_held']",
            run: "click",
        },
        {
            content: "It leaves the worklist",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tour Held Customer)))",
        },
    ],
});

registry.category("web_tour.tours").add("ccm_bulk_hold_selection", {
    steps: () => [
        {
            content: "Select a first customer",
            trigger: ".o_data_row:contains(Tour Bulk Alpha) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "And a second one",
            trigger: ".o_data_row:contains(Tour Bulk Beta) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "The credit bulk action",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Credit Bulk Action)",
            run: "click",
        },
        {
            content: "Put them on hold",
            trigger: ".modal .o_field_widget[name='action'] select",
            run: 'select "hold"',
        },
        {
            content: "With a note",
            trigger: ".modal .o_field_widget[name='note'] input",
            run: "edit Insolvency rumours",
        },
        {
            content: "Run it",
            trigger: ".modal button[name='action_start']",
            run: "click",
        },
        {
            content: "The summary",
            trigger: ".o_notification:contains(2 customers processed: 2 changed)",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
