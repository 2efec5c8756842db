from . import credit_aging_line
from . import credit_aging_wizard
