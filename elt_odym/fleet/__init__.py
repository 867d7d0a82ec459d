"""Fleet dynamics: logistic stock projection, Weibull lifetimes, stock-driven model, kernel."""
