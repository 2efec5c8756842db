from . import test_credit_grade
from . import test_credit_indicators
from . import test_credit_evaluation
from . import test_credit_control
from . import test_credit_tour
from . import test_demo_data
from . import test_credit_aging
from . import test_customer_category
