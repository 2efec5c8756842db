from . import customer_category_rule
from . import customer_major_change
from . import customer_feedback
from . import res_company
from . import res_config_settings
from . import res_partner
