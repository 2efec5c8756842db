from . import test_credit_grade
from . import test_demo_data
from . import test_credit_aging
