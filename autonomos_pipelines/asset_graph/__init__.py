"""The asset graph's shared vocabulary, below assets, checks and operations: the tenant
partitions and every asset key."""
