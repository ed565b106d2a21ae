"""Figures (matplotlib, Agg backend) and the self-contained HTML report of ``spinscope track``."""
