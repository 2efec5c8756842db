/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A credit manager opens Credit Control: the dashboard is the home; a tile opens its list.
// Users and data come from tests/test_credit_dashboard.py.
registry.category("web_tour.tours").add("ccm_credit_dashboard", {
    steps: () => [
        ...stepUtils.goToAppSteps("customer_credit_management.menu_credit_root", "Open Credit Control"),
        {
            content: "The dashboard counts the customer over its line",
            trigger: ".o_ccm_dashboard .o_ccm_tile_over_line:contains(Over credit line)",
        },
        {
            content: "The charts are shown",
            trigger: ".o_ccm_dashboard .o_ccm_chart_spread:contains(Utilisation spread)",
        },
        {
            content: "Refresh the receivable figures",
            trigger: ".o_ccm_dashboard .o_ccm_figures_computed_at button[name=action_refresh_figures]",
            run: "click",
        },
        {
            content: "The figures say when they were computed",
            trigger: ".o_ccm_dashboard .o_ccm_figures_computed_at .o_field_datetime:not(:empty)",
        },
        {
            content: "Open the customers over their line",
            trigger: ".o_ccm_dashboard .o_ccm_tile_over_line",
            run: "click",
        },
        {
            content: "The list is filtered on them",
            trigger: ".o_searchview .o_facet_value:contains(Over Credit Line)",
        },
        {
            content: "The customer is listed",
            trigger: ".o_list_view .o_data_row:contains(Dashboard Tour Over Co)",
        },
    ],
});
