"""The guarded HTTP session of a load: token buckets, retries, response limits, OAuth."""
