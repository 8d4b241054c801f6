"""Evidence from the running Azure estate: resources, monitoring configuration and SLIs.

``estate`` holds the clients and the shared inventory, ``inventory`` reads Resource Graph,
``details`` reads what only ARM has, ``collector`` turns a service's scope into snapshots the
``probes.azure_*`` probes read. See docs/azure.md.
"""
