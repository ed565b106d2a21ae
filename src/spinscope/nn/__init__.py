"""Neural networks as spin models: network → Hamiltonian, analysis, datasets, training, tracking.

Public API of the mapping and analysis (``spinscope.nn.data``, ``.networks``, ``.training`` and
``.track`` are imported from their modules):

* :func:`network_to_model` – a torch module, weight list, state dict or checkpoint → layered ``IsingModel``;
* :func:`analyze_network` → :class:`NetworkAnalysis` (``T_c``, ``lambda_min(beta)``, replica ``T_c``,
  spectrum, TAP solutions).
"""

from spinscope.nn.analysis import NetworkAnalysis, analyze_network
from spinscope.nn.mapping import extract_layers, load_weights_file, network_to_model

__all__ = ["NetworkAnalysis", "analyze_network", "extract_layers", "load_weights_file", "network_to_model"]

# datasets, networks, training and the tracker (spinscope track)
from spinscope.nn.data import Dataset, dataset_from_arrays, load_dataset
from spinscope.nn.networks import build_network
from spinscope.nn.track import TrackResult, track
from spinscope.nn.training import TrainSettings, checkpoint_schedule

__all__ += ["Dataset", "TrackResult", "TrainSettings", "build_network", "checkpoint_schedule",
            "dataset_from_arrays", "load_dataset", "track"]
