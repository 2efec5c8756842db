from . import credit_evaluation_import
from . import credit_aging_line
from . import credit_aging_wizard
from . import credit_aging_wizard_export
