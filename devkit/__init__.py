"""What the tests, the benchmarks and the demo share, so none of them imports another.

`simulators/` speak the devices' wire formats on 127.0.0.1; `home_traces` generates labeled
household power traces; `fuzz_targets` lists every LAN parser with inputs to throw at it;
`ha_process` / `ha_client` run and drive a real Home Assistant; `demo_*` are the demo's devices,
generated history and dashboard; `release` checks and builds a release. Nothing here is shipped.
"""
