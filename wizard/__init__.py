from . import credit_evaluation_import
from . import credit_aging_line
from . import credit_aging_wizard
from . import credit_reminder_run
from . import customer_analysis_wizard
from . import base_partner_merge
from . import credit_collection_log
