"""Helpers for the serverless workbook.

One module per AWS concept. Notebooks start with::

    from helpers import target
    aws = target.connect()
"""
