"""Analyses of samples and models: observables, error bars, bond-matrix spectra (re-exports only)."""

from spinscope.analysis.observables import (
    binder_cumulant,
    correlation_function,
    link_overlap,
    overlap,
    overlap_distribution,
    second_moment_correlation_length,
    spin_glass_susceptibility,
    thermo_estimates,
)
from spinscope.analysis.spectrum import (
    SpectrumResult,
    bond_spectrum,
    ensemble_edge,
    layer_variances,
    power_law_tail,
    spectrum_summary,
)
from spinscope.analysis.statistics import (
    AutocorrTime,
    Estimate,
    ThermalizationCheck,
    autocorrelation,
    binning_analysis,
    compare_starts,
    estimate_mean,
    integrated_time,
    jackknife,
    thermalization_check,
)

__all__ = [
    "AutocorrTime",
    "Estimate",
    "SpectrumResult",
    "ThermalizationCheck",
    "autocorrelation",
    "binder_cumulant",
    "binning_analysis",
    "bond_spectrum",
    "compare_starts",
    "correlation_function",
    "ensemble_edge",
    "estimate_mean",
    "integrated_time",
    "jackknife",
    "layer_variances",
    "link_overlap",
    "overlap",
    "overlap_distribution",
    "power_law_tail",
    "second_moment_correlation_length",
    "spectrum_summary",
    "spin_glass_susceptibility",
    "thermalization_check",
    "thermo_estimates",
]
