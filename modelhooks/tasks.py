"""Model-hook tasks (MH-1..MH-7) are built on this module; the `gpu` queue takes `gpu_*` tasks."""
