"""The canonical model (a contract) and the value transforms a mapping may apply."""
