// Placeholder so the target builds until the simulator lands.
enum SimulationPlaceholder {}
