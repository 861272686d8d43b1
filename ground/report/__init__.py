"""The post-flight report: built from stored data, so any past mission can be rebuilt."""
