// The bench's ping flood rebuilt in ns-3 (Debian's 3.37), for a CPU and memory comparison with
// `deno task bench flood`: a host, 10 routers and a server in a chain of 11 point-to-point links with
// 1 ms delay, 20,000 echo requests 0.5 ms apart, routes computed up front. Our links have no bandwidth
// limit; here the rate is high enough that serialisation is negligible. A hop is a frame a device
// received, counted as our `rx` records are. Build and run: see bench/ns3/run.sh.
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-apps-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdio>
#include <sys/resource.h>

using namespace ns3;

static uint64_t hops = 0;

static void CountHop(Ptr<const Packet>) { hops++; }

int main(int argc, char* argv[]) {
  uint32_t routers = 10;
  uint32_t pings = 20000;
  CommandLine cmd;
  cmd.AddValue("routers", "routers in the chain", routers);
  cmd.AddValue("pings", "echo requests to send, 0.5 ms apart", pings);
  cmd.Parse(argc, argv);

  NodeContainer nodes;
  nodes.Create(routers + 2);
  InternetStackHelper internet;
  internet.Install(nodes);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue("1000Gbps"));
  p2p.SetChannelAttribute("Delay", StringValue("1ms"));
  Ipv4AddressHelper addresses("10.0.0.0", "255.255.255.252");
  Ipv4Address server;
  for (uint32_t i = 0; i <= routers; i++) {
    NetDeviceContainer devices = p2p.Install(nodes.Get(i), nodes.Get(i + 1));
    Ipv4InterfaceContainer assigned = addresses.Assign(devices);
    addresses.NewNetwork();
    server = assigned.GetAddress(1);
    for (uint32_t d = 0; d < 2; d++) devices.Get(d)->TraceConnectWithoutContext("MacRx", MakeCallback(&CountHop));
  }
  Ipv4GlobalRoutingHelper::PopulateRoutingTables();

  V4PingHelper ping(server);
  ping.SetAttribute("Interval", TimeValue(MicroSeconds(500)));
  ApplicationContainer app = ping.Install(nodes.Get(0));
  app.Start(Seconds(0));
  // The last request leaves at (pings - 1) × 0.5 ms; stopping half an interval later sends exactly `pings`.
  app.Stop(MicroSeconds(500 * (pings - 1) + 250));
  Simulator::Stop(Seconds(20));
  Simulator::Run();
  Simulator::Destroy();

  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  std::printf("{\"hops\":%llu,\"cpu\":%.3f,\"peakMiB\":%.1f}\n", (unsigned long long)hops, cpu, usage.ru_maxrss / 1024.0);
  return 0;
}
