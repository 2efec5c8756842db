from . import credit_evaluation_import
