// The command line bench's four jobs (lib/bench/cli.ts) on ns-3, for `npm run bench -- --case cli`:
// the same link, buffers and data as tcpemu's scenario for each, so that the two run times compare.
// Built by lib/bench/cli.ts with the system's g++ against Debian's ns-3 (apt-get install ns3 libns3-dev).
//
//   jobs startup                 one byte over a 1 Gbit/s, 1 ms link
//   jobs bulk  [scale]           64 MiB x scale, 1 Gbit/s, 5 ms each way, 4 MiB buffers
//   jobs lossy [scale]           16 MiB x scale over 100 Mbit/s, 20 ms each way, 1% loss
//   jobs flows [scale]           1,000 x scale flows of 64 KiB, 1 Gbit/s, 1 ms each way
//
// It prints one line: the job, the bytes the receiver got, and the virtual time it took.
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace ns3;

namespace {

uint64_t g_received = 0;
double g_lastRx = 0;

void OnRx(Ptr<const Packet> p, const Address &) {
  g_received += p->GetSize();
  g_lastRx = Simulator::Now().GetSeconds();
}

}  // namespace

int main(int argc, char *argv[]) {
  std::string job = argc > 1 ? argv[1] : "startup";
  double scale = argc > 2 ? std::atof(argv[2]) : 1.0;

  std::string rate = "1Gbps", delay = "5ms";
  double loss = 0;
  uint32_t buffer = 65535, flows = 1;
  uint64_t bytes = 1;
  if (job == "startup") { delay = "1ms"; }
  else if (job == "bulk") { bytes = uint64_t(64.0 * 1048576 * scale); buffer = 4 * 1048576; }
  else if (job == "lossy") { rate = "100Mbps"; delay = "20ms"; loss = 0.01; bytes = uint64_t(16.0 * 1048576 * scale); buffer = 4 * 1048576; }
  else if (job == "flows") { delay = "1ms"; flows = uint32_t(1000 * scale); bytes = 65536; }
  else { std::fprintf(stderr, "jobs: unknown job %s (startup, bulk, lossy, flows)\n", job.c_str()); return 2; }

  // tcpemu's linux profile: NewReno with SACK on, 1460-byte segments, initial window 10, delayed ACKs.
  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpNewReno::GetTypeId()));
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1460));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(buffer));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(buffer));
  Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));

  NodeContainer nodes;
  nodes.Create(2);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue(rate));
  p2p.SetChannelAttribute("Delay", StringValue(delay));
  // A queue that never overflows, as tcpemu's link has by default.
  p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("100000p"));
  NetDeviceContainer devs = p2p.Install(nodes);
  if (loss > 0) {
    for (uint32_t i = 0; i < 2; i++) {
      Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
      em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
      em->SetAttribute("ErrorRate", DoubleValue(loss));
      devs.Get(i)->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }
  }
  InternetStackHelper stack;
  stack.Install(nodes);
  Ipv4AddressHelper addr;
  addr.SetBase("10.0.0.0", "255.255.255.0");
  Ipv4InterfaceContainer ifs = addr.Assign(devs);

  uint16_t port = 80;
  PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer sinks = sink.Install(nodes.Get(1));
  sinks.Start(Seconds(0));
  sinks.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&OnRx));

  BulkSendHelper src("ns3::TcpSocketFactory", InetSocketAddress(ifs.GetAddress(1), port));
  src.SetAttribute("MaxBytes", UintegerValue(bytes));
  src.SetAttribute("SendSize", UintegerValue(16384));
  for (uint32_t i = 0; i < flows; i++) {
    ApplicationContainer a = src.Install(nodes.Get(0));
    a.Start(Seconds(0.001));
  }
  Simulator::Stop(Seconds(600));
  Simulator::Run();
  Simulator::Destroy();
  std::printf("%s %llu bytes received, last at %.6f s\n", job.c_str(), (unsigned long long)g_received, g_lastRx);
  return g_received == bytes * flows ? 0 : 1;
}
