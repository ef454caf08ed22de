"""cloud API routes (each module defines `router`)."""
