"""Parts shared by benchmarks (not benchmarks themselves: ``kgservice bench`` lists only
the modules directly in ``bench/``)."""
