"""admin API routes (each module defines `router`)."""
