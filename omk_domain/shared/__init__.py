"""The shared kernel: money, quantities, ids, time, messages and errors."""
