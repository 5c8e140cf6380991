"""Solutions for 11 · What it costs. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/11_costs.py
or copy one section into a cell. They use the notebook's `aws`, `costs` and `guardrails`.
"""
import math
import os

# 1. Predict, then run: at a million page views, data out from CloudFront dominates.
prediction = "CloudFront"

# 2. Recall: one AppTraffic with the four numbers, no free tier.
answer = costs.monthly_cost(costs.AppTraffic(
    requests_per_month=2_000_000, page_views_per_month=200_000,
    lambda_memory_mb=512, lambda_duration_ms=50)).total

# 3. Build: the budget at twice the modelled bill, rounded up; budget_alert keeps its alerts.
bill = costs.monthly_cost(costs.AppTraffic(requests_per_month=1_000_000,
                                           page_views_per_month=100_000))
guardrails.budget_alert(aws, monthly_usd=math.ceil(2 * bill.total),
                        email=os.environ.get("WORKBOOK_BUDGET_EMAIL", "you@example.com"))
