"""Neural networks as spin models: network → Hamiltonian, analysis, datasets, training.

Public API of the mapping and analysis (``spinscope.nn.data``, ``.networks``, ``.training`` and
``.track_analysis`` are imported from their modules):

* :func:`network_to_model` – a torch module, weight list, state dict or checkpoint → layered ``IsingModel``;
* :func:`analyze_network` → :class:`NetworkAnalysis` (``T_c``, ``lambda_min(beta)``, replica ``T_c``,
  spectrum, TAP solutions).

The runs built on them (``spinscope track``, ``spinscope analyze``: run directories, worker pools,
figures, the report) are :func:`spinscope.workflows.tracking` and :func:`spinscope.workflows.network_analysis`;
this package imports neither ``spinscope.workflows`` nor ``spinscope.io`` / ``spinscope.report``.
"""

from spinscope.nn.analysis import NetworkAnalysis, analyze_network
from spinscope.nn.mapping import extract_layers, load_weights_file, network_to_model

__all__ = ["NetworkAnalysis", "analyze_network", "extract_layers", "load_weights_file", "network_to_model"]

# datasets, networks and training (used by spinscope.workflows.tracking)
from spinscope.nn.data import Dataset, dataset_from_arrays, load_dataset
from spinscope.nn.networks import build_network
from spinscope.nn.training import TrainSettings, checkpoint_schedule

__all__ += ["Dataset", "TrainSettings", "build_network", "checkpoint_schedule", "dataset_from_arrays",
            "load_dataset"]
