"""The `euryale` command line."""
