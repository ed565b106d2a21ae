"""Bayesian inference in generalised linear models: priors, channels, state evolution, GAMP,
exact posteriors, and the Gaussian-random-field generative model (``docs/glm.md``)."""
