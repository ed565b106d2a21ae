"""Machine learning of phases: configurations, network inputs, classifiers, critical temperatures.

Layer 4 (like :mod:`spinscope.nn`): uses the models, the Monte Carlo samplers and the analyses;
writes no files except through :func:`spinscope.phases.data.save_data` (the data format). The
run behind ``spinscope phases`` is :func:`spinscope.workflows.phases`.
"""
