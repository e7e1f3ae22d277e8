"""Prometheus metrics: what every process counts (definitions), how processes share their
counts (multiprocess), scrape-time gauges read from the registry (collectors), and the
scrape endpoint (exposition)."""
