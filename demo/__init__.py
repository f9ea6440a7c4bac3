"""The demo fleet: a simulated set of AI services that send telemetry the way real applications do.

Generation and emission are kept apart. Generation (`fleet`, `diurnal`, `traffic`, `trees`, `quality`,
`gpus`) is pure: what happens is a function of the seed and the time, so a seed replays the same
traffic and the tests check its shape without a service. Emission (`emit_traces`, `emit_feedback`,
`runner`) sends it the way an instrumented application does: spans through the OpenTelemetry SDK
over OTLP/HTTP, feedback through the REST API. The package imports none of ours but `client`; the GPU
node reports through `spyglass gpu-agent`'s code, which the composition root wires in
(spyglass/demo_gpus.py) with the stand-in NVML of `standin_nvml`.
"""
