"""The statement figures and the 16 quantitative indicators of the credit policy (SPEC A3).

Pure functions, no ORM: the evaluation models feed them a dict of the figures provided.
A figure absent from that dict is missing; an indicator needing it, or dividing by zero,
is ``None`` (unscored), never a silent zero.
"""

import math

# Largest statement figure, in absolute value: every ratio and growth of figures up to it (over
# a denominator of at least one cent) stays a finite float, which a float beyond it need not.
MAX_FIGURE = 1e15
# Formatted once, outside the messages: string extraction evaluates literals inside _() calls.
MAX_FIGURE_TEXT = f"{MAX_FIGURE:,.0f}"

# (code, label): the order is the order of the evaluation form and of the XLSX template.
FIGURES = [
    ("net_profit", "Net profit"),
    ("avg_net_assets", "Average net assets"),
    ("operating_profit", "Operating profit"),
    ("investment_income", "Investment income"),
    ("subsidy_income", "Subsidy income"),
    ("non_operating_income", "Non-operating income"),
    ("non_operating_expense", "Non-operating expenses"),
    ("interest_expense", "Interest expense"),
    ("avg_total_assets", "Average total assets"),
    ("net_sales", "Net sales revenue"),
    ("cost_of_sales", "Cost of sales"),
    ("avg_inventory", "Average inventory"),
    ("avg_receivables", "Average receivables"),
    ("total_liabilities", "Total liabilities"),
    ("total_assets", "Total assets"),
    ("current_assets", "Current assets"),
    ("current_liabilities", "Current liabilities"),
    ("cash_assets", "Cash assets"),
    ("prior_sales", "Prior-year sales"),
    ("assets_start", "Total assets at start of year"),
    ("prior_total_profit", "Prior-period total profit"),
    ("equity_start", "Owners' equity at start of year"),
    ("equity_end", "Owners' equity at end of year"),
    ("intangible_assets", "Intangible assets"),
    ("deferred_assets", "Deferred assets"),
    ("startup_costs", "Start-up costs"),
]
FIGURE_CODES = [code for code, _label in FIGURES]

# (code, label, unit): unit is "percent", "ratio" or "amount" (company currency).
INDICATORS = [
    ("roe", "Return on equity", "percent"),
    ("roa", "Return on assets", "percent"),
    ("gross_margin", "Gross margin", "percent"),
    ("asset_turnover", "Total asset turnover", "percent"),
    ("inventory_turnover", "Inventory turnover", "percent"),
    ("receivables_turnover", "Receivables turnover", "percent"),
    ("debt_ratio", "Debt ratio", "percent"),
    ("current_ratio", "Current ratio", "ratio"),
    ("cash_ratio", "Cash ratio", "percent"),
    ("sales_growth", "Sales growth", "percent"),
    ("asset_growth", "Total asset growth", "percent"),
    ("profit_growth", "Profit growth", "percent"),
    ("capital_accumulation", "Capital accumulation", "percent"),
    ("working_capital", "Working capital", "amount"),
    ("total_profit", "Total profit", "amount"),
    ("tangible_net_assets", "Tangible net assets", "amount"),
]
INDICATOR_CODES = [code for code, _label, _unit in INDICATORS]
INDICATOR_UNITS = {code: unit for code, _label, unit in INDICATORS}


def figure_in_range(amount):
    """A statement figure is a finite number of at most ``MAX_FIGURE`` in absolute value."""
    return isinstance(amount, int | float) and math.isfinite(amount) and abs(amount) <= MAX_FIGURE


def _ratio(numerator, denominator, factor=1.0):
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * factor


def _growth(current, previous):
    # Measured against the size of the base: a rise from a loss is growth, not a decline.
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous) * 100


def _sum(*values, signs=None):
    if any(value is None for value in values):
        return None
    signs = signs or [1] * len(values)
    return sum(sign * value for sign, value in zip(signs, values, strict=True))


def compute_indicators(figures):
    """Return {indicator code: value or None} from {figure code: amount} (missing = absent)."""
    f = figures.get
    total_profit = _sum(
        f("operating_profit"),
        f("investment_income"),
        f("subsidy_income"),
        f("non_operating_income"),
        f("non_operating_expense"),
        signs=[1, 1, 1, 1, -1],
    )
    net_assets = _sum(f("total_assets"), f("total_liabilities"), signs=[1, -1])
    return {
        "roe": _ratio(f("net_profit"), f("avg_net_assets"), 100),
        "roa": _ratio(_sum(total_profit, f("interest_expense")), f("avg_total_assets"), 100),
        "gross_margin": _ratio(_sum(f("net_sales"), f("cost_of_sales"), signs=[1, -1]), f("net_sales"), 100),
        "asset_turnover": _ratio(f("net_sales"), f("avg_total_assets"), 100),
        "inventory_turnover": _ratio(f("cost_of_sales"), f("avg_inventory"), 100),
        "receivables_turnover": _ratio(f("net_sales"), f("avg_receivables"), 100),
        "debt_ratio": _ratio(f("total_liabilities"), f("total_assets"), 100),
        "current_ratio": _ratio(f("current_assets"), f("current_liabilities")),
        "cash_ratio": _ratio(f("cash_assets"), f("current_liabilities"), 100),
        "sales_growth": _growth(f("net_sales"), f("prior_sales")),
        "asset_growth": _growth(f("total_assets"), f("assets_start")),
        "profit_growth": _growth(total_profit, f("prior_total_profit")),
        "capital_accumulation": _growth(f("equity_end"), f("equity_start")),
        "working_capital": _ratio(
            _sum(f("current_assets"), f("current_liabilities"), f("equity_end"), signs=[1, -1, 1]), 2
        ),
        "total_profit": total_profit,
        "tangible_net_assets": _sum(
            net_assets,
            f("intangible_assets"),
            f("deferred_assets"),
            f("startup_costs"),
            signs=[1, -1, -1, -1],
        ),
    }


def score_indicator(value, high, low, weight):
    """Points of one indicator: 0 at or beyond ``low``, ``weight`` at or beyond ``high``, linear
    between. ``high`` is the good standard and ``low`` the poor one, so an indicator where lower
    is better simply has ``high < low``. ``None`` when the value is missing."""
    if value is None:
        return None
    if high == low:
        return weight if value >= high else 0.0
    position = (value - low) / (high - low)
    return weight * min(max(position, 0.0), 1.0)


def combine_scores(indicator_scores, qualitative_points, quantitative_share):
    """Return (quantitative 0-100 or None, qualitative 0-100 or None, final 0-100 or None).

    ``indicator_scores``: [(points or None, weight)]; the weight of unscored indicators is spread
    over the scored ones. ``qualitative_points``: [(points, maximum)]. ``quantitative_share``:
    0-100, the share of the quantitative score in the final one; a part with nothing to score
    leaves the whole to the other part.
    """
    scored = [(points, weight) for points, weight in indicator_scores if points is not None]
    scored_weight = sum(weight for _points, weight in scored)
    quantitative = sum(points for points, _weight in scored) / scored_weight * 100 if scored_weight else None
    qualitative_max = sum(maximum for _points, maximum in qualitative_points)
    qualitative = (
        sum(points for points, _maximum in qualitative_points) / qualitative_max * 100
        if qualitative_max
        else None
    )
    if quantitative is None:
        return None, qualitative, None
    if qualitative is None:
        return quantitative, None, round(quantitative, 2)
    share = quantitative_share / 100
    return quantitative, qualitative, round(share * quantitative + (1 - share) * qualitative, 2)
